import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, type Io } from "../../src/cli/main.js";
import { loadCatalogue } from "../../src/controls/catalogue.js";
import { chainHeadBlock } from "../../src/evidence/pack.js";
import { isFinal, parseRecordBody, recordLabels, renderRecordBody, sealRecord, type EvidenceRecord } from "../../src/evidence/record.js";
import { signHead, type Signer } from "../../src/evidence/signing.js";
import { FakeGitHub, type FakeIssue } from "../support/fake-github.js";
import { seedEvidence, signedFixtureRecords, throwawaySigner } from "../support/evidence-fixture.js";

/**
 * The tamper suite: someone with write access to the evidence repository changes it in each way
 * an auditor worries about, after an audit pack was exported. `aims verify` with the published key
 * and the earlier pack must report every change with the issue it concerns, and exit 1.
 * docs/evidence.md shows these outputs (AIMS_WRITE_DOCS=1 rewrites them).
 */

const EVIDENCE = "acme/evidence";
const DOC = new URL("../../docs/evidence.md", import.meta.url);
const controlTitle = (id: string) => loadCatalogue().controls.find((c) => c.id === id)?.title;

let fake: FakeGitHub;
let dir: string;
let signer: Signer;
let issues: FakeIssue[];
let records: EvidenceRecord[];

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: Io & { progress: { isTTY: boolean; write: (t: string) => void } } = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: { GITHUB_TOKEN: "test-token", GITHUB_API_URL: fake.apiBase },
    progress: { isTTY: false, write: () => undefined },
  };
  return { code: await main(args, io), stdout, stderr };
}

/** Output with the fake's address replaced by github.com, as an auditor would see it. */
const shown = (text: string) => text.replaceAll(fake.apiBase.replace(/\/api\/v3$/, ""), "https://github.com");

const finals = () => issues.filter((i) => i.state === "closed" && fake.getRepo(EVIDENCE).issues.has(i.number) && parseRecordBody(i.body).ok);
const newestFinal = () => finals().reduce((a, b) => ((recordOf(a).seq ?? 0) > (recordOf(b).seq ?? 0) ? a : b));
function recordOf(i: FakeIssue): EvidenceRecord {
  const p = parseRecordBody(i.body);
  if (!p.ok) throw new Error(p.problem);
  return p.record;
}
const write = (i: FakeIssue, r: EvidenceRecord) => {
  i.body = renderRecordBody(r, controlTitle);
};

beforeAll(async () => {
  fake = new FakeGitHub({ now: "2026-04-01T09:00:00Z" });
  await fake.start();
  signer = throwawaySigner();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "aims-tamper-"));
  if (fake.repos.has(EVIDENCE)) fake.repos.delete(EVIDENCE);
  fake.addRepo(EVIDENCE, {});
  records = signedFixtureRecords(12, signer, { open: 1 });
  issues = seedEvidence(fake, EVIDENCE, records);
  // The app's dashboard publishes the signed chain head.
  const head = records.filter(isFinal).at(-1)!;
  fake.addIssue(EVIDENCE, { title: "AI governance dashboard: acme/shop", body: `<!-- aims:dashboard acme/shop -->\n${chainHeadBlock(signHead({ repository: EVIDENCE, seq: head.seq!, hash: head.hash!, at: head.pullRequest.closedAt! }, signer))}\n`, viaApp: true });
  writeFileSync(join(dir, "aims-evidence.pub.pem"), signer.publicKeyPem);
  const exported = await run(["export", "--repo", EVIDENCE, "--out", "pack-2026-03", "--public-key", "aims-evidence.pub.pem"]);
  expect(exported.code).toBe(0);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const VERIFY = ["verify", "--repo", EVIDENCE, "--public-key", "aims-evidence.pub.pem", "--since-pack", "pack-2026-03"];

/** [name, tampering (returns the issue number that must be named), expected finding] */
const scenarios: Array<[string, () => number | undefined, RegExp]> = [
  [
    "edit the readable summary",
    () => {
      const i = finals().find((x) => x.body!.includes("| Risk | high |"))!;
      i.body = i.body!.replace("| Risk | high |", "| Risk | limited |");
      return i.number;
    },
    /edited .*\n .*readable summary no longer matches its record data: line \d+ reads "\| Risk \| limited \|"/,
  ],
  [
    "add a control label",
    () => {
      const i = finals()[2]!;
      i.labels.push("annex-a:A.7.6");
      return i.number;
    },
    /carries labels its record does not imply: annex-a:A\.7\.6/,
  ],
  [
    "remove a label",
    () => {
      const i = finals()[4]!;
      i.labels = i.labels.filter((l) => !l.startsWith("state:"));
      return i.number;
    },
    /lost labels its record implies: state:/,
  ],
  [
    "reopen a finalised record",
    () => {
      const i = finals()[5]!;
      i.state = "open";
      i.stateReason = "reopened";
      return i.number;
    },
    /is a finalised record \(\w+\) but its issue was reopened/,
  ],
  [
    "close the newest record as a duplicate",
    () => {
      const i = newestFinal();
      i.stateReason = "duplicate";
      return i.number;
    },
    /was closed as a duplicate; the app empties the duplicates it closes, so this hides a record/,
  ],
  [
    "delete the newest record",
    () => {
      const i = newestFinal();
      fake.getRepo(EVIDENCE).issues.delete(i.number);
      return i.number;
    },
    /The chain head of the earlier pack \(record 11 \S+\/issues\/\d+, sha256 [0-9a-f]{12}…\) is no longer in the chain/,
  ],
  [
    "rewrite a record and re-seal the chain after it",
    () => {
      const chain = finals().sort((a, b) => recordOf(a).seq! - recordOf(b).seq!);
      const from = 6;
      let prev = recordOf(chain[from - 1]!).hash;
      for (let k = from; k < chain.length; k++) {
        const old = recordOf(chain[k]!);
        const edited = k === from ? { ...old, pullRequest: { ...old.pullRequest, title: "Rollback approved by the board" } } : old;
        // The attacker recomputes every hash but cannot sign: the old signature stays.
        const resealed = { ...sealRecord(edited, { prev, seq: old.seq! }), signature: old.signature ?? null };
        prev = resealed.hash;
        write(chain[k]!, resealed);
      }
      return chain[from]!.number;
    },
    /forged .*\n .*has a signature that does not verify with key [0-9a-f]{16}: the record or its hash was rewritten/,
  ],
  [
    "forge a record with a valid-looking hash",
    () => {
      const open = issues.find((i) => i.state === "open" && parseRecordBody(i.body).ok)!;
      const head = recordOf(newestFinal());
      const draft = recordOf(open);
      const forged = { ...sealRecord({ ...draft, state: "merged" as const, pullRequest: { ...draft.pullRequest, mergeSha: "f".repeat(40), closedAt: "2026-03-30T12:00:00Z" } }, { prev: head.hash, seq: head.seq! + 1 }), signature: head.signature ?? null };
      write(open, forged);
      open.labels = recordLabels(forged, controlTitle).map((l) => l.name);
      open.state = "closed";
      open.stateReason = "completed";
      return open.number;
    },
    /forged .*\n .*has a signature that does not verify/,
  ],
];

describe("tamper suite: aims verify with the published key and an earlier pack", () => {
  it("passes the untouched repository", async () => {
    const r = await run(VERIFY);
    expect(r.stdout).toMatch(/OK: every record verifies and the chain is unbroken\.\n$/);
    expect(r.code).toBe(0);
    outputs.set("untouched", shown(r.stdout));
  });

  it.each(scenarios)("%s: reported with the issue link, exit 1", async (name, tamper, finding) => {
    const issue = tamper();
    const r = await run(VERIFY);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(finding);
    if (issue !== undefined && name !== "delete the newest record") expect(r.stdout).toContain(`/acme/evidence/issues/${issue}\n`);
    if (name === "delete the newest record") expect(r.stdout).toContain(`/acme/evidence/issues/${issue},`);
    outputs.set(name, shown(r.stdout));
  });

  it("catches deletion of the newest record without an earlier pack, from the head the app published on its dashboard", async () => {
    const newest = newestFinal();
    fake.getRepo(EVIDENCE).issues.delete(newest.number);
    const r = await run(["verify", "--repo", EVIDENCE, "--public-key", "aims-evidence.pub.pem"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/The chain head of the dashboard \(record 11, sha256 [0-9a-f]{12}…\) is no longer in the chain/);
  });

  it("verifies the pack offline, and reports a pack file changed after export", async () => {
    const ok = await run(["verify", "--pack", "pack-2026-03", "--public-key", "aims-evidence.pub.pem"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Offline check of the audit pack pack-2026-03 \(\d+ files, manifest intact\)\.\n/);
    const soa = join(dir, "pack-2026-03", "statement-of-applicability.md");
    writeFileSync(soa, readFileSync(soa, "utf8").replace("| A.6.2.5 |", "| A.6.2.5 (implemented) |"));
    const broken = await run(["verify", "--pack", "pack-2026-03", "--public-key", "aims-evidence.pub.pem"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("Pack file statement-of-applicability.md was changed: its sha256 is not the one in manifest.sha256");
    outputs.set("pack", shown(ok.stdout));
  });
});

const outputs = new Map<string, string>();

/** The docs show the suite's real output; this keeps them in step (AIMS_WRITE_DOCS=1 rewrites). */
afterAll(() => {
  if (outputs.size !== scenarios.length + 2) return;
  const section = [...outputs].map(([name, out]) => `#### ${name}\n\n\`\`\`text\n$ aims ${name === "pack" ? "verify --pack pack-2026-03 --public-key aims-evidence.pub.pem" : VERIFY.join(" ")}\n${out}\`\`\`\n`).join("\n");
  const doc = readFileSync(DOC, "utf8");
  const re = /(<!-- tamper-suite:start -->\n)[\s\S]*?(<!-- tamper-suite:end -->)/;
  const next = doc.replace(re, `$1${section}$2`);
  if (process.env.AIMS_WRITE_DOCS === "1") writeFileSync(DOC, next);
  else expect(doc).toBe(next);
});
