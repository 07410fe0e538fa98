import type { ChangedFile } from "../types.js";
import type { CodeFinding } from "./diff.js";

/**
 * Models named by container and deployment set-ups: compose files, Kubernetes manifests,
 * Dockerfiles and entrypoint scripts that pull or serve a model with Ollama, vLLM,
 * text-generation-inference, llama.cpp or Triton. Read from the lines a patch adds and removes
 * (shell and YAML, no grammar needed), so no file is read.
 */

const SERVING_FILE = /(^|\/)(Dockerfile[^/]*|[^/]*\.dockerfile|Containerfile|[^/]*compose[^/]*\.ya?ml|[^/]*\.sh|entrypoint[^/]*|[^/]*\.ya?ml)$/i;

interface Server {
  name: string;
  pattern: RegExp;
}

/** Each pattern captures the model in group 1; the line must name the server. */
const SERVERS: Server[] = [
  { name: "Ollama", pattern: /\bollama["',\s]+(?:pull|run|create|cp)["',\s]+([\w.\-/:]+)/ },
  { name: "vLLM", pattern: /\bvllm["',\s]+serve["',\s]+([\w.\-/:]+)/ },
  { name: "vLLM", pattern: /vllm[^\n]*?--model[=\s]+["']?([\w.\-/:]+)/ },
  { name: "text-generation-inference", pattern: /(?:text-generation-launcher|text-generation-inference)[^\n]*?--model-id[=\s]+["']?([\w.\-/:]+)/ },
  { name: "llama.cpp", pattern: /\b(?:llama-server|llama-cli|llama\.cpp\/server)\b[^\n]*?(?:-m|--model|-hf|--hf-repo)[=\s]+["']?([\w.\-/:]+)/ },
  { name: "Triton", pattern: /\btritonserver\b[^\n]*?--model-repository[=\s]+["']?([\w.\-/:]+)/ },
  { name: "model server", pattern: /^\s*-?\s*["']?(?:MODEL_ID|HF_MODEL_ID|OLLAMA_MODEL|VLLM_MODEL|MODEL_NAME)["']?\s*[:=]\s*["']?([\w.\-/:]+)/ },
  { name: "model server", pattern: /(?:^|[\s"'[,:])--model(?:-id)?["']?\s*[,=\s]\s*["']?([A-Za-z][\w.\-]*\/[\w.\-:]+)/ },
];

function modelsIn(lines: string[]): Array<{ server: string; model: string; index: number }> {
  const found: Array<{ server: string; model: string; index: number }> = [];
  lines.forEach((line, index) => {
    if (/^\s*#/.test(line)) return;
    for (const s of SERVERS) {
      const m = s.pattern.exec(line);
      if (m?.[1] && !m[1].startsWith("$")) {
        found.push({ server: s.name, model: m[1].replace(/["',\]]+$/, ""), index });
        break;
      }
    }
  });
  return found;
}

/** Serving set-ups that start, stop or change serving a model, from each file's patch. */
export function servingFindings(file: ChangedFile): CodeFinding[] {
  if (!file.patch || !SERVING_FILE.test(file.filename)) return [];
  const added: Array<{ text: string; line: number }> = [];
  const removed: Array<{ text: string; line: number }> = [];
  let head = 0;
  let base = 0;
  for (const raw of file.patch.split("\n")) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(raw);
    if (hunk) {
      base = Number(hunk[1]);
      head = Number(hunk[2]);
      continue;
    }
    if (raw.startsWith("+")) added.push({ text: raw.slice(1), line: head++ });
    else if (raw.startsWith("-")) removed.push({ text: raw.slice(1), line: base++ });
    else if (!raw.startsWith("\\")) {
      head++;
      base++;
    }
  }
  const after = modelsIn(added.map((l) => l.text)).map((m) => ({ ...m, line: added[m.index]!.line }));
  const before = modelsIn(removed.map((l) => l.text)).map((m) => ({ ...m, line: removed[m.index]!.line }));
  // A line that moved without changing its model is no change.
  const same = (a: { server: string; model: string }, b: { server: string; model: string }) => a.server === b.server && a.model === b.model;
  const newOnes = after.filter((a) => !before.some((b) => same(a, b)));
  const goneOnes = before.filter((b) => !after.some((a) => same(a, b)));
  const findings: CodeFinding[] = [];
  const base0 = (server: string): Pick<CodeFinding, "kind" | "rule" | "what" | "callee" | "column"> => ({
    kind: "serving",
    rule: `serving.${server.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
    what: `model served by ${server}`,
    callee: server,
    column: 1,
  });
  for (const a of newOnes) {
    const from = goneOnes.findIndex((b) => b.server === a.server);
    if (from >= 0) {
      const [b] = goneOnes.splice(from, 1);
      findings.push({ ...base0(a.server), change: "model-changed", line: a.line, model: a.model, fromModel: b!.model });
    } else {
      findings.push({ ...base0(a.server), change: "added", line: a.line, model: a.model });
    }
  }
  for (const b of goneOnes) findings.push({ ...base0(b.server), change: "removed", line: b.line, model: b.model });
  return findings;
}
