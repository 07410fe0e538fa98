/**
 * setup.cfg (setuptools declarative config): `[options] install_requires` (prod),
 * `setup_requires`/`tests_require` (dev) and `[options.extras_require]` (optional).
 *
 * Hand-parsed: no well-kept INI parser on npm handles configparser's indented multi-line
 * values, so this follows configparser's rules directly (sections at column 0, `key = value`
 * or `key: value`, indented continuation lines, full-line `#`/`;` comments, keys folded to
 * lower case, duplicate sections and keys rejected as in its default strict mode). Lists are
 * then split the way setuptools does: one entry per line, or by `;` on a single line, and
 * `file:` pulls requirements from other files.
 */
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { dirOf, resolveInclude } from "../shared/requirements.js";
import { RequirementError, parsePep508 } from "../shared/python.js";

interface ValueLine {
  text: string;
  line: number;
}

interface Option {
  section: string;
  key: string;
  lines: ValueLine[];
}

const OPTION_SCOPES: Record<string, DependencyScope> = {
  install_requires: "prod",
  setup_requires: "dev",
  tests_require: "dev",
};

export function extractSetupCfg(text: string, path: string): ExtractResult {
  const dependencies: Dependency[] = [];
  const includes: string[] = [];
  for (const option of readIni(text)) {
    let scope: DependencyScope | undefined;
    let group: string | undefined;
    if (option.section === "options") {
      scope = OPTION_SCOPES[option.key];
      if (scope === "dev") group = option.key;
    } else if (option.section === "options.extras_require") {
      scope = "optional";
      group = option.key;
    }
    if (scope === undefined) continue;

    const first = option.lines[0];
    if (first && option.lines.length === 1 && first.text.startsWith("file:")) {
      for (const file of first.text.slice("file:".length).split(",")) {
        if (file.trim() === "") continue;
        const include = resolveInclude(dirOf(path), file);
        if (!includes.includes(include)) includes.push(include);
      }
      continue;
    }
    for (const entry of listEntries(option.lines)) {
      try {
        const req = parsePep508(entry.text);
        const dep: Dependency = { name: req.name, scope, direct: true };
        if (req.version !== undefined) dep.version = req.version;
        if (req.source !== undefined) dep.source = req.source;
        if (group !== undefined) dep.group = group;
        dependencies.push(dep);
      } catch (err) {
        if (err instanceof RequirementError) throw new ManifestParseError(`${option.key}: ${err.message}`, entry.line);
        throw err;
      }
    }
  }
  return includes.length > 0 ? { dependencies, includes } : { dependencies };
}

/** setuptools: several lines → one entry each; a single line → entries separated by `;`. */
function listEntries(lines: ValueLine[]): ValueLine[] {
  const parts =
    lines.length === 1 && lines[0] ? lines[0].text.split(";").map((t) => ({ text: t, line: lines[0]?.line ?? 0 })) : lines;
  return parts
    .map((p) => ({ text: p.text.replace(/(^|\s+)#.*$/, "").trim(), line: p.line }))
    .filter((p) => p.text !== "");
}

function readIni(text: string): Option[] {
  const options: Option[] = [];
  const sections = new Set<string>();
  const keys = new Set<string>();
  let section: string | undefined;
  let current: Option | undefined;
  text
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\n|\r/)
    .forEach((raw, i) => {
      const line = i + 1;
      const trimmed = raw.trim();
      if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) return;
      const indented = /^\s/.test(raw);
      if (indented && current) {
        current.lines.push({ text: trimmed, line });
        return;
      }
      const header = /^\[([^\]]+)\]\s*$/.exec(raw);
      if (header?.[1] && !indented) {
        section = header[1].trim();
        if (sections.has(section)) throw new ManifestParseError(`section [${section}] appears twice`, line);
        sections.add(section);
        current = undefined;
        return;
      }
      const option = /^\s*([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(raw);
      if (!option?.[1]) throw new ManifestParseError(`expected "[section]" or "key = value", found "${trimmed}"`, line, 1);
      if (section === undefined) throw new ManifestParseError("option before the first [section]", line, 1);
      const key = option[1].toLowerCase();
      const id = `${section}\u0000${key}`;
      if (keys.has(id)) throw new ManifestParseError(`option "${key}" appears twice in [${section}]`, line, 1);
      keys.add(id);
      const value = (option[2] ?? "").trim();
      current = { section, key, lines: value === "" ? [] : [{ text: value, line }] };
      options.push(current);
    });
  return options;
}
