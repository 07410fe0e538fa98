import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { basename } from "./paths.js";
import type { DvcOutput, DvcSource } from "./types.js";

/** DVC files (`*.dvc`): the outputs they track and, for `dvc import`, where the data came from. */

const dvcOut = z.looseObject({
  path: z.string().min(1, "an out needs a path"),
  md5: z.string().optional(),
  hash: z.string().optional(),
  size: z.string().regex(/^\d+$/, "size must be a whole number of bytes").optional(),
  remote: z.string().optional(),
});
const dvcDep = z.looseObject({
  path: z.string().optional(),
  repo: z.looseObject({ url: z.string().min(1), rev: z.string().optional(), rev_lock: z.string().optional() }).optional(),
});
const dvcFile = z.looseObject({
  outs: z.array(dvcOut, "a DVC file lists its outputs under `outs`"),
  deps: z.array(dvcDep).optional(),
  wdir: z.string().optional(),
});

export function readDvc(text: string): { outs: DvcOutput[]; wdir?: string; source?: DvcSource } {
  let data: unknown;
  try {
    // failsafe: every scalar stays a string, so an all-digit md5 keeps its leading zeros.
    data = parseYaml(text, { schema: "failsafe", prettyErrors: false });
  } catch (error) {
    throw new Error(`invalid DVC file: not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (data === null || data === undefined || data === "") throw new Error("invalid DVC file: it is empty");
  const parsed = dvcFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.map((k) => (typeof k === "number" ? `[${k}]` : `.${String(k)}`)).join("").replace(/^\./, "");
    throw new Error(`invalid DVC file: ${key ? `${key}: ` : ""}${issue?.message ?? "unexpected shape"}`);
  }
  const outs = parsed.data.outs.map((o) => {
    const out: DvcOutput = { path: o.path };
    if (o.md5 !== undefined) out.md5 = o.md5;
    if (o.hash !== undefined) out.hash = o.hash;
    if (o.size !== undefined) out.size = Number(o.size);
    if (o.remote !== undefined) out.remote = o.remote;
    return out;
  });
  // `dvc import` records where the data came from: the source repository and the exact revision.
  const imported = parsed.data.deps?.find((d) => d.repo)?.repo;
  const source: DvcSource | undefined = imported
    ? { url: imported.url, ...(imported.rev_lock ? { revLock: imported.rev_lock } : {}), ...(imported.rev ? { rev: imported.rev } : {}), ...(parsed.data.deps?.[0]?.path ? { path: parsed.data.deps[0].path } : {}) }
    : undefined;
  return { outs, ...(parsed.data.wdir !== undefined ? { wdir: parsed.data.wdir } : {}), ...(source ? { source } : {}) };
}

/** The outputs a `.dvc` file records (path, md5 or hash, size, remote). Throws on invalid input. */
export function parseDvcFile(text: string): DvcOutput[] {
  return readDvc(text).outs;
}

export function isDvcFile(path: string): boolean {
  const name = basename(path);
  return name.endsWith(".dvc") && name.length > ".dvc".length;
}
