import { createHash, createPrivateKey } from "node:crypto";
import { createSigner, signRecord, type Signer } from "../../src/evidence/signing.js";
import { AIMS_VERSION } from "../../src/version.js";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { isFinal, recordLabels, renderRecordBody, sealRecord, type EvidenceChange, type EvidenceRecord } from "../../src/evidence/record.js";
import type { FakeGitHub, FakeIssue } from "./fake-github.js";

/**
 * Realistic evidence records made with the record module (sealed into a real hash chain) and
 * written as the app's issues into the fake GitHub, for queries, the dashboard, export and verify.
 */

const SYSTEMS = [
  { id: "chatbot", risk: "limited" as const },
  { id: "recommender", risk: "high" as const },
  { id: "fraud-model", risk: "high" as const },
  { id: "search-ranker", risk: "minimal" as const },
];

const DEPENDENCIES = [
  { ecosystem: "npm", name: "openai", kind: "LLM", supplier: "OpenAI", from: "4.52.0", to: "4.56.0" },
  { ecosystem: "pypi", name: "transformers", kind: "ML", supplier: "Hugging Face", to: "4.44.2" },
  { ecosystem: "npm", name: "@anthropic-ai/sdk", kind: "LLM", supplier: "Anthropic", to: "0.27.0" },
  { ecosystem: "pypi", name: "scikit-learn", kind: "ML", supplier: "scikit-learn", from: "1.4.2", to: "1.5.1" },
  { ecosystem: "go", name: "github.com/sashabaranov/go-openai", kind: "LLM", supplier: "OpenAI (community)", to: "v1.28.1" },
];

const sha40 = (seed: string, n: number) => (seed.repeat(40) + n.toString(16)).slice(-40);
/** A stable, realistic-looking digest of `len` hex characters for fixture number n. */
const hex = (n: number, len: number) => createHash("sha256").update(`fixture-${n}`).digest("hex").slice(0, len);

export interface FixtureOptions {
  /** Source repositories, cycled through. */
  repositories?: string[];
  /** How many of the newest records are still open (not chained). */
  open?: number;
  /** Day of the first record's closing; records are 2 days apart. */
  start?: string;
  webUrl?: string;
  /** Total number of records (set by fixtureRecords; decides which are the newest). */
  count?: number;
}

function day(start: string, plus: number): string {
  const d = new Date(`${start}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + plus);
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Record i (0-based) of a fixture, not yet sealed. */
export function fixtureRecord(i: number, options: FixtureOptions = {}): EvidenceRecord {
  const repos = options.repositories ?? ["acme/shop"];
  const repository = repos[i % repos.length]!;
  const number = 100 + i;
  const system = SYSTEMS[i % SYSTEMS.length]!;
  const open = i >= (options.count ?? Number.POSITIVE_INFINITY) - (options.open ?? 0);
  const closedAt = open ? null : day(options.start ?? "2026-01-05", i * 2);
  const kind = i % 3;
  const changes: EvidenceChange[] = [];
  const controls: Array<{ id: string; reason: string }> = [];
  if (kind === 0) {
    changes.push({
      path: `models/${system.id}/model.safetensors`,
      status: i % 6 === 0 ? "added" : "modified",
      category: "model",
      system: system.id,
      rule: "model.weights",
      gated: true,
      lfs: { oid: `sha256:${hex(i + 1, 64)}`, size: 1_000_000 + i },
    });
    controls.push({ id: "A.6.2.7", reason: "model weights changed with their Git LFS hash recorded" });
  } else if (kind === 1) {
    changes.push({
      path: `data/${system.id}/train.parquet.dvc`,
      status: "modified",
      category: "dataset",
      system: system.id,
      rule: "dataset.dvc",
      gated: true,
      dvc: [{ path: "train.parquet", md5: hex(i + 7, 32), size: 20_000 + i, remote: "s3://acme-data" }],
    });
    controls.push({ id: "A.7.5", reason: `data/${system.id}/train.parquet.dvc records md5 and remote s3://acme-data` });
  } else {
    const d = DEPENDENCIES[i % DEPENDENCIES.length]!;
    changes.push({
      path: d.ecosystem === "npm" ? "package.json" : d.ecosystem === "go" ? "go.mod" : "requirements.txt",
      status: "modified",
      category: "dependency",
      system: system.id,
      rule: `dependency.${d.ecosystem}`,
      gated: true,
      dependency: {
        ecosystem: d.ecosystem,
        name: d.name,
        kind: d.kind,
        supplier: d.supplier,
        change: d.from ? "upgraded" : "added",
        ...(d.from ? { from: d.from } : {}),
        to: d.to,
        manifests: [d.ecosystem === "npm" ? "package.json" : d.ecosystem === "go" ? "go.mod" : "requirements.txt"],
      },
    });
    controls.push({ id: "A.4.4", reason: `AI dependency ${d.name} ${d.from ? "upgraded" : "added"}` });
    if (!d.from) controls.push({ id: "A.10.3", reason: `new supplier ${d.supplier}` });
  }
  controls.push({ id: "A.5.3", reason: "impact assessment AIA-2026-001 approved" }, { id: "8.4", reason: "impact assessment for a significant change" });
  const signOffs = i % 4 === 3 ? [] : [{ login: i % 2 ? "alice" : "bob", method: "review" as const, sha: sha40("a", i), at: day(options.start ?? "2026-01-05", i * 2 - 1), team: "acme/ai-governance" }];
  if (signOffs.length > 0) controls.push({ id: "A.3.2", reason: "signed off by the governance team" });
  const override =
    i % 10 === 9
      ? { login: "lead", at: day(options.start ?? "2026-01-05", i * 2), sha: sha40("a", i), reason: `Incident INC-${i}: the ${system.id} rollback cannot wait for a second reviewer.` }
      : null;
  const merged = !open && i % 7 !== 5;
  if (merged) controls.push({ id: "A.6.2.5", reason: "merged after both gates passed" });
  const web = options.webUrl ?? "https://github.com";
  const waiting = open && i % 2 === 0;
  return {
    schemaVersion: 1,
    id: `${repository}#${number}`,
    pullRequest: {
      repository,
      number,
      title: `Change ${i} to ${system.id}`,
      url: `${web}/${repository}/pull/${number}`,
      author: "dev",
      baseRef: "main",
      baseSha: sha40("b", i),
      headSha: sha40("a", i),
      mergeSha: merged ? sha40("c", i) : null,
      closedAt,
    },
    policy: { sources: [{ repository, path: ".github/aims.yml", ref: "main" }] },
    systems: [{ id: system.id, risk: system.risk }],
    risk: system.risk,
    changes: { total: changes.length, byCategory: { [changes[0]!.category]: 1 }, items: changes },
    assessment: { conclusion: waiting ? "action_required" : "success", title: waiting ? "Impact assessment missing" : "Impact assessment AIA-2026-001 approved", records: [] },
    gates: [
      { gate: "impact-assessment", name: "aims/impact-assessment", conclusion: waiting ? "action_required" : "success", title: waiting ? "Impact assessment missing" : "approved" },
      { gate: "human-oversight", name: "aims/human-oversight", conclusion: open ? "action_required" : "success", title: open ? "Human sign-off required" : "signed off" },
    ],
    signOffs: open ? [] : signOffs,
    override: merged ? override : null,
    checks: [],
    controls: open ? controls.filter((c) => c.id !== "A.3.2") : controls,
    state: open ? "open" : merged ? (override ? "overridden" : "merged") : "closed",
    seq: null,
    prev: null,
    hash: null,
  };
}

/** `count` records: finalised ones sealed into one chain in order, the newest `open` left open. */
export function fixtureRecords(count: number, options: FixtureOptions = {}): EvidenceRecord[] {
  const out: EvidenceRecord[] = [];
  let prev: string | null = null;
  let seq = 0;
  for (let i = 0; i < count; i++) {
    let r = fixtureRecord(i, { ...options, count });
    if (isFinal(r)) {
      r = sealRecord(r, { prev, seq: ++seq });
      prev = r.hash;
    }
    out.push(r);
  }
  return out;
}

const controlTitle = (id: string) => loadCatalogue().controls.find((c) => c.id === id)?.title;

/** Write records as the app's issues (labels as the ledger sets them; final ones closed). */
export function seedEvidence(fake: FakeGitHub, evidenceRepo: string, records: readonly EvidenceRecord[]): FakeIssue[] {
  return records.map((r) =>
    fake.addIssue(evidenceRepo, {
      title: `AI evidence: ${r.id} ${r.pullRequest.title}`,
      body: renderRecordBody(r, controlTitle),
      labels: recordLabels(r, controlTitle).map((l) => l.name),
      viaApp: true,
      state: isFinal(r) ? "closed" : "open",
    }),
  );
}

/**
 * `count` fixture records as the current aims-bot writes them (schema v2, its version named, so
 * verify re-renders them), sealed into one chain and signed with `signer`.
 */
export function signedFixtureRecords(count: number, signer: Signer, options: FixtureOptions = {}): EvidenceRecord[] {
  let prev: string | null = null;
  let seq = 0;
  return fixtureRecords(count, options).map((r) => {
    const current: EvidenceRecord = { ...r, schemaVersion: 2, generator: { aimsBot: AIMS_VERSION, catalogue: loadCatalogue().version }, seq: null, prev: null, hash: null };
    if (!isFinal(current)) return current;
    const sealed = signRecord(sealRecord(current, { prev, seq: ++seq }), signer);
    prev = sealed.hash;
    return sealed;
  });
}

/**
 * A throwaway Ed25519 key for tests, derived from a phrase so the outputs shown in the docs are
 * reproducible (never a key of a real installation).
 */
export function throwawaySigner(phrase = "aims-bot tests: throwaway evidence key"): Signer {
  return createSigner(throwawayKeyPem(phrase));
}

/** The private key behind throwawaySigner, as PEM (what AIMS_SIGNING_KEY holds). */
export function throwawayKeyPem(phrase = "aims-bot tests: throwaway evidence key"): string {
  const seed = createHash("sha256").update(phrase).digest();
  const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  return createPrivateKey({ key: der, format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "pem" }).toString();
}
