import { parse as parseYaml } from "yaml";

/**
 * Content sniffers that recognise AI artifacts wherever they sit, from the text a pull request's
 * patch shows (no extra read): Hugging Face model and dataset cards by their YAML front matter,
 * and Hugging Face model configs by their keys. Pure.
 */

/** Front matter keys only model cards carry, and those only dataset cards carry. */
const MODEL_CARD_KEYS = ["pipeline_tag", "base_model", "library_name", "model-index", "model_name"];
const DATASET_CARD_KEYS = ["task_categories", "dataset_info", "size_categories", "source_datasets", "annotations_creators", "configs", "pretty_name"];

/** The start of the file as the patch shows it (head side), when the first hunk starts at line 1. */
function fileStart(patch: string): string | undefined {
  const lines = patch.split("\n");
  const header = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(lines[0] ?? "");
  if (!header || Number(header[1]) > 1) return undefined;
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith("@@")) break;
    if (line.startsWith("+") || line.startsWith(" ")) out.push(line.slice(1));
  }
  return out.join("\n");
}

/** `model` or `dataset` for a Markdown file whose front matter is a Hugging Face card's. */
export function cardKind(patch: string | undefined): { kind: "model" | "dataset"; keys: string[] } | undefined {
  if (patch === undefined) return undefined;
  const start = fileStart(patch);
  const m = start === undefined ? undefined : /^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(start);
  if (!m) return undefined;
  let data: unknown;
  try {
    data = parseYaml(m[1]!, { prettyErrors: false, maxAliasCount: 100 });
  } catch {
    return undefined;
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) return undefined;
  const keys = Object.keys(data);
  const model = keys.filter((k) => MODEL_CARD_KEYS.includes(k));
  const dataset = keys.filter((k) => DATASET_CARD_KEYS.includes(k));
  if (model.length > 0 && model.length >= dataset.length) return { kind: "model", keys: model };
  if (dataset.length > 0) return { kind: "dataset", keys: dataset };
  return undefined;
}

/** A `config.json` whose added lines carry a Hugging Face model config's `architectures` or `model_type`. */
export function isModelConfig(path: string, patch: string | undefined): boolean {
  if (patch === undefined || !/(^|\/)config\.json$/.test(path)) return false;
  return patch.split("\n").some((l) => l.startsWith("+") && /^\+\s*"(architectures|model_type)"\s*:/.test(l));
}
