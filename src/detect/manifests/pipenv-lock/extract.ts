/**
 * Pipfile.lock (JSON): `default` is prod, `develop` dev, each entry pinned as `"==x"`.
 * The lock does not say which entries the Pipfile declared, so all are direct=false.
 */
import type { Dependency, DependencyScope, ExtractResult } from "../types.js";
import { ManifestParseError } from "../types.js";
import { PEP508_NAME, isRecord, lineAt, lineOf } from "../shared/python.js";
import { pipenvDependency, readSources } from "../shared/pipfile.js";

type Fail = (message: string, needle?: string) => never;

const SECTIONS: readonly [string, DependencyScope][] = [
  ["default", "prod"],
  ["develop", "dev"],
];

export function extractPipfileLock(text: string): ExtractResult {
  const fail: Fail = (message, needle) => {
    throw new ManifestParseError(message, needle === undefined ? undefined : lineOf(text, needle));
  };
  const doc = parseJson(text);
  if (!isRecord(doc)) fail("a Pipfile.lock must be a JSON object");
  const meta = doc["_meta"];
  if (meta !== undefined && !isRecord(meta)) fail("_meta must be an object", '"_meta"');
  const indexes = readSources(meta?.["sources"], fail);

  const dependencies: Dependency[] = [];
  for (const [section, scope] of SECTIONS) {
    const body = doc[section];
    if (body === undefined) continue;
    if (!isRecord(body)) fail(`"${section}" must be an object`, `"${section}"`);
    for (const [name, spec] of Object.entries(body)) {
      if (!PEP508_NAME.test(name)) fail(`${section}: "${name}" is not a valid package name`, `"${name}"`);
      dependencies.push(pipenvDependency(name, spec, scope, false, indexes, (m) => fail(`${section}.${name}: ${m}`, `"${name}"`)));
    }
  }
  return { dependencies };
}

/** JSON.parse reports the failing offset in its message; turn it into line and column. */
function parseJson(input: string): unknown {
  const text = input.replace(/^\uFEFF/, "");
  if (text.trim() === "") return { default: {}, develop: {} };
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const position = /at position (\d+)/.exec(err.message)?.[1];
    const offset = position === undefined ? text.length : Number(position);
    const line = lineAt(text, offset);
    const column = offset - (text.lastIndexOf("\n", offset - 1) + 1) + 1;
    throw new ManifestParseError(`invalid JSON: ${err.message.replace(/ in JSON at position \d+.*$/, "")}`, line, column);
  }
}
