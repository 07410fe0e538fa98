import { entryDate, type EvidenceEntry } from "./query.js";
import type { EvidenceRecord } from "./record.js";

/**
 * The AI inventory as merged evidence shows it (pure): replaying the AI changes of merged (and
 * overridden) records in the order they merged gives, per AI system, the models, datasets and AI
 * dependencies the default branch holds now. Used by the dashboard and the CycloneDX export.
 * Records list at most the changes that fit their issue body; the inventory cannot know more.
 */

export interface InventoryModel {
  path: string;
  system: string;
  lfs?: { oid: string; size: number };
  /** Record and day of the last change. */
  record: string;
  prUrl: string;
  date: string;
}

export interface InventoryDataset {
  path: string;
  system: string;
  lfs?: { oid: string; size: number };
  dvc?: { path: string; md5?: string; hash?: string; size?: number; remote?: string };
  record: string;
  prUrl: string;
  date: string;
}

export interface InventoryDependency {
  ecosystem: string;
  name: string;
  kind: string;
  supplier: string;
  /** The version (or range) the manifest asks for after the last change. */
  version?: string;
  system: string;
  manifests: string[];
  record: string;
  prUrl: string;
  date: string;
}

/** A model id used from code (a hosted API call, or open weights loaded by name), and its provider. */
export interface InventoryCodeModel {
  model: string;
  provider?: string;
  providerName?: string;
  /** true: calls send data to the provider's hosted service. */
  hosted: boolean;
  kind: string;
  path: string;
  system: string;
  record: string;
  prUrl: string;
  date: string;
}

export interface InventorySystem {
  id: string;
  risk: EvidenceRecord["risk"];
  models: InventoryModel[];
  datasets: InventoryDataset[];
  dependencies: InventoryDependency[];
  /** Model ids the system's code uses, by provider. */
  codeModels: InventoryCodeModel[];
  /** Merged records that touched the system. */
  records: number;
  lastChange: string;
}

const MERGED = new Set(["merged", "overridden"]);

export function isMerged(record: EvidenceRecord): boolean {
  return MERGED.has(record.state);
}

export function buildInventory(entries: readonly EvidenceEntry[]): InventorySystem[] {
  const merged = entries.filter((e) => isMerged(e.record)).sort((a, b) => (entryDate(a) < entryDate(b) ? -1 : entryDate(a) > entryDate(b) ? 1 : a.issue - b.issue));
  const systems = new Map<string, { id: string; risk: EvidenceRecord["risk"]; models: Map<string, InventoryModel>; datasets: Map<string, InventoryDataset>; deps: Map<string, InventoryDependency>; code: Map<string, InventoryCodeModel>; records: number; lastChange: string }>();
  const systemOf = (id: string) => {
    let s = systems.get(id);
    if (!s) {
      s = { id, risk: null, models: new Map(), datasets: new Map(), deps: new Map(), code: new Map(), records: 0, lastChange: "" };
      systems.set(id, s);
    }
    return s;
  };
  for (const e of merged) {
    const r = e.record;
    const date = entryDate(e);
    const touched = new Set<string>();
    for (const s of r.systems) {
      const sys = systemOf(s.id);
      sys.risk = s.risk;
      touched.add(s.id);
    }
    for (const c of r.changes.items) {
      const sys = systemOf(c.system);
      touched.add(c.system);
      const where = { record: r.id, prUrl: r.pullRequest.url, date };
      if (c.category === "model") {
        if (c.previousPath) sys.models.delete(c.previousPath);
        if (c.status === "removed") sys.models.delete(c.path);
        else sys.models.set(c.path, { path: c.path, system: c.system, ...(c.lfs ? { lfs: c.lfs } : {}), ...where });
      } else if (c.category === "dataset") {
        if (c.previousPath) sys.datasets.delete(c.previousPath);
        if (c.status === "removed") sys.datasets.delete(c.path);
        else sys.datasets.set(c.path, { path: c.path, system: c.system, ...(c.lfs ? { lfs: c.lfs } : {}), ...(c.dvc?.[0] ? { dvc: c.dvc[0] } : {}), ...where });
      } else if (c.category === "code" && c.code) {
        const k = c.code;
        const key = (model: string) => `${c.path}\u0000${k.provider ?? ""}\u0000${model}`;
        if (k.fromModel !== undefined) sys.code.delete(key(k.fromModel));
        if (k.model !== undefined) {
          if (k.change === "removed") sys.code.delete(key(k.model));
          else {
            sys.code.set(key(k.model), {
              model: k.model,
              ...(k.provider ? { provider: k.provider } : {}),
              ...(k.providerName ? { providerName: k.providerName } : {}),
              hosted: k.hosted === true,
              kind: k.kind,
              path: c.path,
              system: c.system,
              ...where,
            });
          }
        }
      } else if (c.category === "dependency" && c.dependency) {
        const d = c.dependency;
        const key = `${d.ecosystem}:${d.name}`;
        if (d.change === "removed") sys.deps.delete(key);
        else {
          const version = d.to ?? d.from;
          sys.deps.set(key, { ecosystem: d.ecosystem, name: d.name, kind: d.kind, supplier: d.supplier, ...(version ? { version } : {}), system: c.system, manifests: d.manifests, ...where });
        }
      }
    }
    for (const id of touched) {
      const sys = systemOf(id);
      sys.records++;
      sys.lastChange = date;
    }
  }
  const byPath = <T extends { path: string }>(m: Map<string, T>) => [...m.values()].sort((a, b) => a.path.localeCompare(b.path));
  return [...systems.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => ({
      id: s.id,
      risk: s.risk,
      models: byPath(s.models),
      datasets: byPath(s.datasets),
      dependencies: [...s.deps.values()].sort((a, b) => `${a.ecosystem}:${a.name}`.localeCompare(`${b.ecosystem}:${b.name}`)),
      codeModels: [...s.code.values()].sort((a, b) => `${a.model}:${a.path}`.localeCompare(`${b.model}:${b.path}`)),
      records: s.records,
      lastChange: s.lastChange,
    }));
}
