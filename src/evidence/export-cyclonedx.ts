import { compareControlIds } from "../controls/catalogue.js";
import { buildInventory, type InventoryDependency } from "./inventory.js";
import type { EvidenceEntry } from "./query.js";
import { isOperating } from "./record.js";
import type { ExportContext } from "./export-rows.js";

// ---------------------------------------------------------------------------------------------
// CycloneDX 1.6

const PURL_TYPES: Record<string, string> = { npm: "npm", pypi: "pypi", go: "golang", cargo: "cargo", maven: "maven", nuget: "nuget", docker: "docker", "github-actions": "github" };
const EXACT_VERSION = /^v?\d+(?:\.\d+)*(?:[-+.][0-9A-Za-z.-]+)?$/;

const enc = (s: string) => encodeURIComponent(s).replace(/%2F/gi, "/");

/** A package URL for a dependency; the version only when it is exact (not a range). */
export function purlOf(d: Pick<InventoryDependency, "ecosystem" | "name" | "version">): string | undefined {
  const type = PURL_TYPES[d.ecosystem];
  if (!type) return undefined;
  let path: string;
  if (d.ecosystem === "npm") {
    const m = /^(@[^/]+)\/(.+)$/.exec(d.name);
    path = m ? `${encodeURIComponent(m[1]!)}/${encodeURIComponent(m[2]!)}` : encodeURIComponent(d.name);
  } else if (d.ecosystem === "pypi") {
    path = encodeURIComponent(d.name.toLowerCase().replace(/[-_.]+/g, "-"));
  } else if (d.ecosystem === "maven") {
    const [group, artifact] = d.name.split(":");
    if (!group || !artifact) return undefined;
    path = `${encodeURIComponent(group)}/${encodeURIComponent(artifact)}`;
  } else if (d.ecosystem === "github-actions") {
    path = enc(d.name.toLowerCase());
  } else {
    path = enc(d.name);
  }
  const version = d.version && EXACT_VERSION.test(d.version) ? `@${encodeURIComponent(d.version)}` : "";
  return `pkg:${type}/${path}${version}`;
}

type Property = { name: string; value: string };
const prop = (name: string, value: string | undefined | null): Property[] => (value ? [{ name, value }] : []);

/** An RFC 4122 shaped UUID derived from a hex digest (for reproducible output when asked). */
export function uuidFromHex(hex: string): string {
  const h = hex.padEnd(32, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface CycloneDxOptions {
  /** `urn:uuid:...`; every export should get a new one. */
  serialNumber: string;
}

/** The AI inventory of merged evidence as a CycloneDX 1.6 BOM. */
export function cycloneDxBom(entries: readonly EvidenceEntry[], ctx: ExportContext, options: CycloneDxOptions): Record<string, unknown> {
  const inventory = buildInventory(entries);
  const components: Array<Record<string, unknown>> = [];
  const dependencies: Array<{ ref: string; dependsOn: string[] }> = [];
  const libraries = new Map<string, Record<string, unknown>>();
  const services = new Map<string, Record<string, unknown>>();
  for (const s of inventory) {
    const systemRef = `ai-system:${s.id}`;
    const dependsOn: string[] = [];
    for (const d of s.datasets) {
      const ref = `data:${s.id}:${d.path}`;
      const md5 = d.dvc?.md5 && /^[0-9a-f]{32}$/.test(d.dvc.md5) ? d.dvc.md5 : undefined;
      const sha256 = d.lfs && /^(?:sha256:)?[0-9a-f]{64}$/.test(d.lfs.oid) ? d.lfs.oid.replace(/^sha256:/, "") : undefined;
      components.push({
        type: "data",
        "bom-ref": ref,
        name: d.path,
        ...(md5 || sha256 ? { hashes: [...(md5 ? [{ alg: "MD5", content: md5 }] : []), ...(sha256 ? [{ alg: "SHA-256", content: sha256 }] : [])] } : {}),
        data: [{ type: "dataset", name: d.path, ...(d.dvc?.remote ? { contents: { url: d.dvc.remote } } : {}) }],
        properties: [...prop("aims:ai-system", s.id), ...prop("aims:evidence-record", d.record), ...prop("aims:pull-request", d.prUrl), ...prop("aims:last-change", d.date), ...prop("aims:dvc-path", d.dvc?.path)],
      });
      dependsOn.push(ref);
    }
    for (const m of s.models) {
      const ref = `model:${s.id}:${m.path}`;
      const sha256 = m.lfs && /^(?:sha256:)?[0-9a-f]{64}$/.test(m.lfs.oid) ? m.lfs.oid.replace(/^sha256:/, "") : undefined;
      components.push({
        type: "machine-learning-model",
        "bom-ref": ref,
        name: m.path,
        ...(sha256 ? { hashes: [{ alg: "SHA-256", content: sha256 }] } : {}),
        // No training data is listed: records do not say which data trained which model, and
        // guessing from the system's datasets would invent lineage.
        properties: [
          ...prop("aims:ai-system", s.id),
          ...prop("aims:risk", s.risk),
          ...prop("aims:evidence-record", m.record),
          ...prop("aims:pull-request", m.prUrl),
          ...prop("aims:last-change", m.date),
          ...prop("aims:size-bytes", m.lfs ? String(m.lfs.size) : undefined),
        ],
      });
      dependsOn.push(ref);
    }
    for (const m of s.codeModels) {
      const ref = `model:${s.id}:${m.provider ?? "unknown"}:${m.model}`;
      if (dependsOn.includes(ref)) continue;
      components.push({
        type: "machine-learning-model",
        "bom-ref": ref,
        name: m.model,
        ...(m.providerName ? { supplier: { name: m.providerName } } : {}),
        properties: [
          ...prop("aims:ai-system", s.id),
          ...prop("aims:used-in", m.path),
          ...prop("aims:code-kind", m.kind),
          ...prop("aims:hosted", m.hosted ? "true" : "false"),
          ...prop("aims:evidence-record", m.record),
          ...prop("aims:last-change", m.date),
        ],
      });
      dependsOn.push(ref);
      if (m.hosted && m.provider) {
        const serviceRef = `service:${m.provider}`;
        if (!services.has(serviceRef)) {
          services.set(serviceRef, {
            "bom-ref": serviceRef,
            name: `${m.providerName ?? m.provider} API`,
            provider: { name: m.providerName ?? m.provider },
            trustZone: "external",
            data: [{ flow: "outbound", classification: "prompts and user data sent for inference" }],
            properties: [...prop("aims:evidence-record", m.record)],
          });
        }
        if (!dependsOn.includes(serviceRef)) dependsOn.push(serviceRef);
      }
    }
    for (const d of s.dependencies) {
      const purl = purlOf(d);
      const ref = purl ?? `library:${d.ecosystem}:${d.name}@${d.version ?? ""}`;
      if (!libraries.has(ref)) {
        const scoped = d.ecosystem === "npm" ? /^(@[^/]+)\/(.+)$/.exec(d.name) : null;
        const maven = d.ecosystem === "maven" ? d.name.split(":") : null;
        libraries.set(ref, {
          type: "library",
          "bom-ref": ref,
          ...(scoped ? { group: scoped[1], name: scoped[2] } : maven && maven.length >= 2 ? { group: maven[0], name: maven[1] } : { name: d.name }),
          // A resolved version goes in `version`; a range (^1.2, >=0.3) is what the manifest asks for, not what runs.
          ...(d.version && EXACT_VERSION.test(d.version) ? { version: d.version.replace(/^v(?=\d)/, d.ecosystem === "go" ? "v" : "") } : {}),
          ...(purl ? { purl } : {}),
          supplier: { name: d.supplier },
          properties: [
            ...prop("aims:ecosystem", d.ecosystem),
            ...prop("aims:ai-kind", d.kind),
            ...prop("aims:version-range", d.version && !EXACT_VERSION.test(d.version) ? d.version : undefined),
            ...prop("aims:evidence-record", d.record),
            ...prop("aims:last-change", d.date),
          ],
        });
      }
      if (!dependsOn.includes(ref)) dependsOn.push(ref);
      // A client of a hosted model API means the system calls the supplier's service.
      if (d.kind === "llm-api" || d.kind === "LLM") {
        const serviceRef = `service:${d.supplier}`;
        if (!services.has(serviceRef)) {
          services.set(serviceRef, {
            "bom-ref": serviceRef,
            provider: { name: d.supplier },
            name: `${d.supplier} hosted AI API`,
            description: `Hosted AI service reached through ${d.ecosystem} ${d.name}.`,
            properties: [...prop("aims:client-library", ref), ...prop("aims:evidence-record", d.record)],
          });
        }
        if (!dependsOn.includes(serviceRef)) dependsOn.push(serviceRef);
      }
    }
    components.push({
      type: "application",
      "bom-ref": systemRef,
      name: s.id,
      description: `AI system ${s.id} as its merged evidence records show it (${s.records} record${s.records === 1 ? "" : "s"}).`,
      properties: [...prop("aims:risk", s.risk), ...prop("aims:last-change", s.lastChange)],
    });
    dependencies.push({ ref: systemRef, dependsOn });
  }
  components.push(...libraries.values());
  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: options.serialNumber,
    version: 1,
    metadata: {
      timestamp: ctx.generatedAt,
      tools: { components: [{ type: "application", name: "aims-bot", ...(ctx.toolVersion ? { version: ctx.toolVersion } : {}) }] },
      component: { type: "application", "bom-ref": "evidence-repository", name: ctx.evidenceRepo, description: "AI inventory from the merged evidence records of this repository" },
      properties: [...prop("aims:evidence-repository", ctx.evidenceRepo), ...prop("aims:since", ctx.since), ...prop("aims:until", ctx.until), { name: "aims:standard", value: "ISO/IEC 42001:2023" }],
    },
    components,
    ...(services.size > 0 ? { services: [...services.values()] } : {}),
    dependencies: [{ ref: "evidence-repository", dependsOn: dependencies.map((d) => d.ref) }, ...dependencies],
    ...controlDeclarations(entries, ctx),
  };
}

/**
 * The control claims of merged, non-overridden records as CycloneDX 1.6 declarations: ISO/IEC
 * 42001 as a standard with the requirements claimed, one claim per record and control (its
 * reason, and the catalogue's basis as the reasoning), each record as evidence, and one
 * attestation by aims-bot mapping requirements to claims.
 */
function controlDeclarations(entries: readonly EvidenceEntry[], ctx: ExportContext): Record<string, unknown> {
  const byId = new Map([...ctx.catalogue.controls, ...ctx.catalogue.clauses].map((c) => [c.id, c]));
  const claims: Array<Record<string, unknown>> = [];
  const evidence: Array<Record<string, unknown>> = [];
  const map = new Map<string, string[]>();
  for (const e of [...entries].sort((a, b) => a.issue - b.issue)) {
    if (!isOperating(e.record)) continue;
    const counted = e.record.controls.filter((c) => byId.get(c.id)?.prEvidence !== undefined && byId.get(c.id)!.prEvidence !== "none");
    if (counted.length === 0) continue;
    const evidenceRef = `evidence:${e.record.id}`;
    evidence.push({
      "bom-ref": evidenceRef,
      propertyName: "aims:evidence-record",
      description: `Evidence record ${e.record.id} (${e.url})${e.record.hash ? `, sha256 ${e.record.hash}` : ""}${e.record.signature ? `, signed with Ed25519 key ${e.record.signature.keyId}` : ""}.`,
      ...(e.record.pullRequest.closedAt ? { created: e.record.pullRequest.closedAt } : {}),
    });
    for (const c of counted) {
      const ref = `claim:${e.record.id}:${c.id}`;
      const target = e.record.systems[0] ? `ai-system:${e.record.systems[0].id}` : "evidence-repository";
      claims.push({ "bom-ref": ref, target, predicate: c.reason, reasoning: byId.get(c.id)!.basis ?? "", evidence: [evidenceRef] });
      map.set(c.id, [...(map.get(c.id) ?? []), ref]);
    }
  }
  if (claims.length === 0) return {};
  const requirement = (id: string) => `iso42001:${id}`;
  const claimed = [...map.keys()].sort(compareControlIds);
  return {
    definitions: {
      standards: [
        {
          "bom-ref": "iso42001",
          name: "ISO/IEC 42001",
          version: "2023",
          description: "Artificial intelligence management system: Annex A reference controls and the clauses pull requests evidence (titles only; read the standard for its text).",
          owner: "ISO/IEC JTC 1/SC 42",
          requirements: claimed.map((id) => ({ "bom-ref": requirement(id), identifier: id, title: byId.get(id)!.title })),
        },
      ],
    },
    declarations: {
      assessors: [{ "bom-ref": "assessor:aims-bot", thirdParty: false, organization: { name: `aims-bot${ctx.toolVersion ? ` ${ctx.toolVersion}` : ""} (automated, from ${ctx.evidenceRepo})` } }],
      attestations: [
        {
          summary: `Annex A controls evidenced by merged governed pull requests (catalogue ${ctx.catalogue.version}); overridden and unmerged pull requests claim nothing.`,
          assessor: "assessor:aims-bot",
          map: claimed.map((id) => ({ requirement: requirement(id), claims: map.get(id)! })),
        },
      ],
      claims,
      evidence,
    },
  };
}
