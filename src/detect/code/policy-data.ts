import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";

/**
 * Read and validate a YAML data file shipped under policies/ (or given by path). Throws one
 * Error naming the file, line, column and reason of up to five problems.
 */
export function parsePolicyData<T extends z.ZodType>(text: string, file: string, schema: T): z.infer<T> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  const yamlError = doc.errors[0];
  if (yamlError) throw new Error(`${at(yamlError.pos[0])}: invalid YAML: ${yamlError.message.split("\n")[0]}`);
  const parsed = schema.safeParse(doc.toJS({ maxAliasCount: 1000 }));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const label = path.length > 0 ? `${path.join(".")}: ` : "";
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return `${at(node.range[0])}: ${label}${issue.message}`;
    }
    return `${file}: ${label}${issue.message}`;
  });
  throw new Error(problems.join("; "));
}

/** A file under policies/, read once per process and path (the data never changes while running). */
export function policyFileLoader<T>(name: string, parse: (text: string, file: string) => T): (path?: string) => T {
  const loaded = new Map<string, T>();
  return (path) => {
    const target = path ?? fileURLToPath(new URL(`../../../policies/${name}`, import.meta.url));
    let value = loaded.get(target);
    if (value === undefined) {
      value = parse(readFileSync(target, "utf8"), path ?? `policies/${name}`);
      loaded.set(target, value);
    }
    return value;
  };
}
