/**
 * conda environment files (environment.yml, conda.yaml as written by MLflow and others).
 * `dependencies:` holds conda match specs (`pytorch=2.1`, `conda-forge::numpy>=1.2`) and
 * optionally a `pip:` list, which conda hands to pip as a requirements file.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Node } from "yaml";
import type { Dependency, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { dirOf, parseRequirementLines, splitLogicalLines } from "../shared/requirements.js";
import type { LogicalLine } from "../shared/requirements.js";
import { formatSpecifierString } from "../shared/python.js";

/** The interpreter and the installer themselves are not dependencies worth reporting. */
const SKIPPED = new Set(["python", "pip"]);

export function extractCondaEnvironment(text: string, path: string): ExtractResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lines.linePos(node.range[0]).line : undefined;
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    throw new ManifestParseError(`invalid YAML: ${first.message}`, pos.line, pos.col);
  }

  const root = doc.contents;
  if (root === null) return { dependencies: [] };
  if (!isMap(root)) throw new ManifestParseError("expected a mapping with name, channels and dependencies", lineOf(root) ?? 1);
  const list = root.get("dependencies", true);
  if (list === undefined || list === null || (isScalar(list) && list.value === null)) return { dependencies: [] };
  if (!isSeq(list)) throw new ManifestParseError("dependencies must be a list", lineOf(list as Node));

  const dependencies: Dependency[] = [];
  const pipLines: LogicalLine[] = [];
  for (const item of list.items) {
    const node = item as Node;
    if (isScalar(node) && typeof node.value === "string") {
      const dep = condaDependency(node.value, lineOf(node));
      if (dep) dependencies.push(dep);
      continue;
    }
    if (isMap(node) && node.items.length === 1 && isScalar(node.items[0]?.key) && node.items[0].key.value === "pip") {
      const pip = node.items[0].value;
      if (!isSeq(pip)) throw new ManifestParseError("the pip entry must be a list", lineOf(pip as Node) ?? lineOf(node));
      for (const entry of pip.items) {
        const line = lineOf(entry as Node) ?? lineOf(node) ?? 1;
        if (!isScalar(entry) || typeof entry.value !== "string") {
          throw new ManifestParseError("pip entries must be strings", line);
        }
        pipLines.push(...splitLogicalLines(entry.value).map(({ text: t }) => ({ text: t, line })));
      }
      continue;
    }
    throw new ManifestParseError("dependencies entries must be match specs or a pip list", lineOf(node));
  }

  // conda writes the pip list to a requirements file beside the environment file, so `-r` is relative to it.
  const pip = parseRequirementLines(pipLines, { baseDir: dirOf(path), scope: "prod" });
  dependencies.push(...pip.dependencies);
  return pip.includes ? { dependencies, includes: pip.includes } : { dependencies };
}

/**
 * A conda match spec: `[channel::]name[ version[ build]]`, `name=1.2`, `name==1.2.3`,
 * `name>=1.2,<2`, `name=1.2=build`, `name[version='>=1.2']`. The single `=` of conda means
 * "1.2.*"; its version is reported as written ("1.2"), the way users read it.
 */
function condaDependency(spec: string, line: number | undefined): Dependency | undefined {
  const trimmed = spec.trim();
  const sep = trimmed.lastIndexOf("::");
  const channel = sep >= 0 ? trimmed.slice(0, sep) : undefined;
  const m = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)(?:\[([^\]]*)\])?\s*(.*)$/.exec(sep >= 0 ? trimmed.slice(sep + 2) : trimmed);
  if (!m?.[1] || channel === "") throw new ManifestParseError(`"${trimmed}" is not a conda match spec`, line);
  const name = m[1];
  if (SKIPPED.has(name.toLowerCase())) return undefined;

  const rest = (m[3] ?? "").trim();
  let version: string | undefined;
  const bracket = /(?:^|,)\s*version\s*=\s*["']?([^"',\]]+)/.exec(m[2] ?? "")?.[1];
  if (rest === "") version = bracket === undefined ? undefined : formatSpecifierString(bracket);
  else if (rest.startsWith("==")) version = formatSpecifierString(`==${rest.slice(2).trim().split(/[=\s]/)[0] ?? ""}`);
  else if (/^=[^=]/.test(rest)) version = formatSpecifierString(rest.slice(1).split(/[=\s]/)[0] ?? "");
  else if (/^[<>!~*]/.test(rest) || /^\d/.test(rest)) version = formatSpecifierString(rest.split(/\s/)[0] ?? rest);
  else throw new ManifestParseError(`"${trimmed}" is not a conda match spec`, line);

  if (version !== undefined && !/[A-Za-z0-9*]/.test(version)) {
    throw new ManifestParseError(`"${trimmed}" has an empty version`, line);
  }
  const dep: Dependency = { name, scope: "prod", direct: true, source: channel ? `conda:${channel}` : "conda" };
  if (version !== undefined && version !== "") dep.version = version;
  return dep;
}
