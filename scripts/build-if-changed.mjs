// `npm start` runs this first: it compiles src/ to lib/ only when a source or build setting is newer
// than the last build (lib/.tsbuildinfo, written by tsc's incremental build), so a start after no
// change costs no compile at all.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, utimesSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const INPUTS = ["src", "tsconfig.json", "tsconfig.build.json", "package-lock.json"];
export const STAMP = join("lib", ".tsbuildinfo");

function mtimes(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return [];
  }
  if (!stat.isDirectory()) return [{ path, mtimeMs: stat.mtimeMs }];
  return readdirSync(path).flatMap((name) => mtimes(join(path, name)));
}

/** The inputs changed since the last build: all of them when there was none. */
export function staleInputs(root) {
  const inputs = INPUTS.flatMap((p) => mtimes(join(root, p)));
  let built;
  try {
    built = statSync(join(root, STAMP)).mtimeMs;
  } catch {
    return inputs.map((i) => relative(root, i.path));
  }
  return inputs.filter((i) => i.mtimeMs > built).map((i) => relative(root, i.path));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const stale = staleInputs(root);
  if (stale.length === 0) process.exit(0);
  console.error(`building lib/ (${stale.length} changed: ${stale.slice(0, 3).join(", ")}${stale.length > 3 ? ", …" : ""})`);
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
  // tsc leaves an unchanged build info file untouched: mark this build as the newest.
  if (tsc.status === 0) utimesSync(join(root, STAMP), new Date(), new Date());
  process.exit(tsc.status ?? 1);
}
