import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, type Io } from "../../src/cli/main.js";
import { ROW_COLUMNS } from "../../src/evidence/export.js";
import { isFinal, recordLabels, renderRecordBody, sealRecord, type EvidenceRecord } from "../../src/evidence/record.js";
import { cycloneDx16Validator } from "../support/cyclonedx-schema.js";
import { FakeGitHub, type FakeIssue } from "../support/fake-github.js";
import { fixtureRecord, fixtureRecords, seedEvidence } from "../support/evidence-fixture.js";


const EVIDENCE = "acme/evidence";
const POLICY = `controls:
  exclude:
    - id: A.4.6
      justification: Competence records are kept in the HR system, outside this management system.
  statement:
    version: "3"
    approved_by: "@acme/ciso"
    approved_on: "2026-01-15"
  implementation:
    A.2.2:
      status: organisational
      owner: "@acme/ciso"
      evidence: AI policy v4, document AIMS-POL-01 on the intranet
      justification: Approved by the board as part of the management system.
`;

let fake: FakeGitHub;
let records: EvidenceRecord[];
let issues: FakeIssue[];
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  progress: string;
}

async function run(args: string[], options: { env?: Record<string, string>; tty?: boolean } = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let progress = "";
  const io: Io & { progress: { isTTY: boolean; write: (t: string) => void } } = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: { GITHUB_TOKEN: "test-token", GITHUB_API_URL: fake.apiBase, ...options.env },
    progress: { isTTY: options.tty ?? false, write: (t) => (progress += t) },
  };
  const code = await main(args, io);
  return { code, stdout, stderr, progress };
}

/** RFC 4180 parser for the test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  return rows;
}

function seed(): void {
  if (fake.repos.has(EVIDENCE)) fake.repos.delete(EVIDENCE);
  fake.addRepo(EVIDENCE, { files: { ".github/aims.yml": POLICY } });
  records = fixtureRecords(60, { open: 4, repositories: ["acme/shop", "acme/web"] });
  // A title that needs CSV quoting: comma, quote and a line break.
  records[0] = { ...records[0]!, pullRequest: { ...records[0]!.pullRequest, title: 'Swap "base" model, retrain\nand re-evaluate' } };
  records = sealAgain(records);
  issues = seedEvidence(fake, EVIDENCE, records);
  fake.reset();
}

function sealAgain(list: EvidenceRecord[]): EvidenceRecord[] {
  // fixtureRecords seals in order; seal again after editing the first record.
  let prev: string | null = null;
  let seq = 0;
  return list.map((r) => {
    if (!isFinal(r)) return r;
    const sealed = sealRecord({ ...r, seq: null, prev: null, hash: null }, { prev, seq: ++seq });
    prev = sealed.hash;
    return sealed;
  });
}

beforeAll(async () => {
  fake = new FakeGitHub({ now: "2026-04-01T09:00:00Z" });
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "aims-audit-"));
  seed();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("aims export", () => {
  it("writes the audit pack for 60 records through the issues list only", async () => {
    const r = await run(["export", "--repo", EVIDENCE, "--out", "pack"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rowsExpected = records.reduce((n, x) => n + Math.max(1, x.controls.length), 0);
    expect(r.stdout).toBe(
      `aims export acme/evidence: 60 records, ${rowsExpected} rows (one per record and control) → pack/\n  statement-of-applicability.md\n  evidence.csv\n  evidence.json\n  ai-bom.cdx.json\n  records.json\n  verify-report.txt\n  chain-head.json\n  manifest.sha256\nThe chain head is not signed: no signed head matching it is published on a dashboard issue.\n`,
    );
    expect(fake.reads(/search/)).toBe(0);
    expect(fake.requests.filter((x) => x.path === `/repos/${EVIDENCE}/issues`).every((x) => x.query.labels === undefined && x.query.state === "all")).toBe(true);
    // Plain lines on a non-terminal, one per page.
    expect(r.progress).toBe("reading acme/evidence issues: 1/1 pages\n");

    const soa = readFileSync(join(dir, "pack", "statement-of-applicability.md"), "utf8");
    expect(soa.match(/^\| A\.\d+\.\d+(?:\.\d+)? \|/gm)).toHaveLength(38);
    // Clause 6.1.3 d): inclusion and justification, implementation, owner, evidence; document control.
    expect(soa).toContain("| A.4.6 | Human resources | No | Competence records are kept in the HR system, outside this management system. | — | — | — |");
    // Text from the policy passes the one escaping function: a team named there is not notified where the statement is shown.
    const ciso = "\u2060@\u2060acme/ciso";
    expect(soa).toContain(`| A.2.2 | AI policy | Yes | Approved by the board as part of the management system. | by an organisational process outside GitHub | ${ciso} | Not evidenced by pull requests: `);
    expect(soa).toContain("Kept outside GitHub: AI policy v4, document AIMS-POL-01 on the intranet.");
    expect(soa).toMatch(/\| A\.3\.3 \| Reporting of concerns \| Yes \| Included \(not excluded in controls\.exclude\): .* \| not stated \(controls\.implementation\) \| — \| Not evidenced by pull requests: .* No evidence outside GitHub is named/);
    // A merge is not a deployment: A.6.2.5 is never counted, not even from older records that claimed it.
    expect(soa).toMatch(/\| A\.6\.2\.5 \| AI system deployment \| Yes \| .* \| Not evidenced by pull requests: A merge is not a deployment/);
    expect(soa).toMatch(/claims in records judged under an earlier catalogue are not counted/);
    // Only merged, non-overridden records count; overrides are nonconformities.
    const operatingRecords = records.filter((x) => x.state === "merged").length;
    expect(soa).toContain(`| 8.4 | AI system impact assessment | ${operatingRecords} |`);
    expect(soa).toContain("| Version | 3 |");
    expect(soa).toContain(`| Approved by | ${ciso} on 2026-01-15 |`);
    expect(soa).toMatch(/## Nonconformities \(clause 10\.2\): [1-9]\d*\n/);
    expect(soa).toContain("## Management review inputs (clause 9.3)");
    expect(soa).toMatch(/- Governed pull requests: 60 \(\d+ merged, \d+ closed without merging, 4 open\)\./);

    const csv = readFileSync(join(dir, "pack", "evidence.csv"), "utf8");
    expect(csv.endsWith("\r\n")).toBe(true);
    const parsed = parseCsv(csv);
    expect(parsed[0]).toEqual([...ROW_COLUMNS]);
    expect(parsed).toHaveLength(rowsExpected + 1);
    expect(parsed.every((row) => row.length === ROW_COLUMNS.length)).toBe(true);
    const titleCol = ROW_COLUMNS.indexOf("title");
    expect(parsed[1]![titleCol]).toBe('Swap "base" model, retrain\nand re-evaluate');
    expect(csv).toContain('"Swap ""base"" model, retrain\nand re-evaluate"');

    const json = JSON.parse(readFileSync(join(dir, "pack", "evidence.json"), "utf8")) as { records: number; rows: Array<Record<string, unknown>> };
    expect(json.records).toBe(60);
    expect(json.rows).toHaveLength(rowsExpected);
    expect(json.rows.map((x) => [x.record, x.control])).toEqual(parsed.slice(1).map((p) => [p[0], p[ROW_COLUMNS.indexOf("control")] || null]));
  });

  it("writes a CycloneDX 1.6 AI-BOM that the official schema accepts", async () => {
    const r = await run(["export", "--repo", EVIDENCE, "--out", "pack", "--format", "cyclonedx"]);
    expect(r.code).toBe(0);
    const bom = JSON.parse(readFileSync(join(dir, "pack", "ai-bom.cdx.json"), "utf8")) as { components: Array<Record<string, any>>; dependencies: Array<{ ref: string; dependsOn: string[] }>; services?: Array<Record<string, any>>; declarations: Record<string, any>; definitions: Record<string, any> };
    const validate = cycloneDx16Validator();
    const ok = validate(bom);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);

    const types = new Set(bom.components.map((c) => c.type));
    expect(types).toEqual(new Set(["machine-learning-model", "data", "library", "application"]));
    const openai = bom.components.find((c) => c.name === "openai")!;
    expect(openai).toMatchObject({ type: "library", version: "4.56.0", purl: "pkg:npm/openai@4.56.0", supplier: { name: "OpenAI" } });
    expect(bom.components.find((c) => c.name === "sdk" && c.group === "@anthropic-ai")?.purl).toBe("pkg:npm/%40anthropic-ai/sdk@0.27.0");
    expect(bom.components.find((c) => c.name === "github.com/sashabaranov/go-openai")?.purl).toBe("pkg:golang/github.com/sashabaranov/go-openai@v1.28.1");
    const model = bom.components.find((c) => c.type === "machine-learning-model")!;
    expect(model.hashes[0]).toMatchObject({ alg: "SHA-256" });
    // No training lineage is inferred: records do not say which data trained which model.
    expect(model.modelCard).toBeUndefined();
    // Hosted model APIs are services the AI systems call.
    expect(bom.services?.find((x) => x.name === "OpenAI hosted AI API")).toMatchObject({ provider: { name: "OpenAI" } });
    // Control claims as CycloneDX 1.6 declarations: only merged, non-overridden records, only controls the catalogue accepts.
    const claimIds = bom.declarations.claims.map((c: { "bom-ref": string }) => c["bom-ref"].split(":").at(-1));
    expect(new Set(claimIds)).toEqual(new Set(["A.3.2", "A.5.3", "A.6.2.7", "8.4"]));
    const requirements = new Set(bom.definitions.standards[0].requirements.map((r: { "bom-ref": string }) => r["bom-ref"]));
    for (const m of bom.declarations.attestations[0].map) expect(requirements.has(m.requirement)).toBe(true);
    const evidenceRefs = new Set(bom.declarations.evidence.map((x: { "bom-ref": string }) => x["bom-ref"]));
    for (const c of bom.declarations.claims) expect(evidenceRefs.has(c.evidence[0])).toBe(true);
    const refs = new Set([...bom.components, ...(bom.services ?? [])].map((c: Record<string, string>) => c["bom-ref"]));
    for (const d of bom.dependencies) for (const x of d.dependsOn) expect(refs.has(x)).toBe(true);
    // The schema check can fail: a wrong component type is rejected.
    expect(validate({ ...bom, components: [{ ...model, type: "ml-model" }] })).toBe(false);
  });

  it("limits the pack to --since/--until and only counts the app's records", async () => {
    fake.addIssue(EVIDENCE, { title: "copy", body: renderRecordBody({ ...records[5]!, id: "acme/shop#999", pullRequest: { ...records[5]!.pullRequest, number: 999 } }), labels: ["aims:evidence"], user: "mallory" });
    const r = await run(["export", "--repo", EVIDENCE, "--out", "q1", "--since", "2026-02-01", "--until", "2026-02-28", "--format", "json,md"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, "q1", "evidence.json"), "utf8")) as { records: number; since: string; rows: Array<{ date: string; record: string }> };
    const expected = records.filter((x) => x.pullRequest.closedAt && x.pullRequest.closedAt >= "2026-02-01" && x.pullRequest.closedAt < "2026-03-01").length;
    expect(json.records).toBe(expected);
    expect(json.rows.every((x) => x.date >= "2026-02-01" && x.date < "2026-03-01")).toBe(true);
    expect(json.rows.some((x) => x.record === "acme/shop#999")).toBe(false);
    expect(r.stdout).toContain("statement-of-applicability.md");
    expect(r.stdout).not.toContain("evidence.csv");
  });

  it("draws a bar in place on a terminal", async () => {
    const r = await run(["export", "--repo", EVIDENCE, "--out", "pack", "--format", "md"], { tty: true });
    expect(r.progress).toContain("\rreading acme/evidence issues [########################] 1/1 pages");
    expect(r.progress.endsWith("\r\x1b[K")).toBe(true);
  });

  it.each([
    [["export"], {}, "--repo owner/name"],
    [["export", "--repo", EVIDENCE, "--format", "xlsx"], {}, "--format takes md, csv, json, cyclonedx"],
    [["export", "--repo", EVIDENCE, "--since", "2026-13-01"], {}, "--since takes a date"],
    [["export", "--repo", EVIDENCE], { GITHUB_TOKEN: "" }, "set GITHUB_TOKEN"],
    [["verify", "--repo", EVIDENCE, "--expected-head", "abc"], {}, "--expected-head takes a sha256"],
  ])("usage error for %j", async (args, env, message) => {
    const r = await run(args as string[], { env: env as Record<string, string> });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe("aims verify", () => {
  it("passes an untouched evidence repository", async () => {
    const r = await run(["verify", "--repo", EVIDENCE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^aims verify acme\/evidence: 60 records \(56 final\), chain of 56, head record 56 sha256 [0-9a-f]{64} \(#\d+\)\.\nOK: every record verifies and the chain is unbroken\.\nSignatures not checked: pass --public-key <file> with the app's published Ed25519 key\.\n$/);
  });

  const final = () => issues.filter((i) => i.state === "closed");

  it("reports a finalised record edited after the fact, with its issue link", async () => {
    const target = final()[10]!;
    target.body = target.body!.replace(/"title": "Change 10 to/, '"title": "Change ten to');
    const r = await run(["verify", "--repo", EVIDENCE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`1 finding:\n  edited       ${fake.apiBase.replace(/\/api\/v3$/, "")}/acme/evidence/issues/${target.number}\n      #${target.number} was edited after it was finalised`);
  });

  it("reports a deleted record", async () => {
    const gone = final()[20]!;
    fake.getRepo(EVIDENCE).issues.delete(gone.number);
    const r = await run(["verify", "--repo", EVIDENCE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ {2}deleted {6}\S+\/issues\/\d+\n {6}#\d+ \(record 22\) points to previous record [0-9a-f]{12}…, which is missing/);
  });

  it("reports a finalised record outside the chain", async () => {
    const unsealed = { ...fixtureRecord(70, { count: 100 }), id: "acme/shop#777" };
    unsealed.pullRequest = { ...unsealed.pullRequest, number: 777 };
    fake.addIssue(EVIDENCE, { title: "AI evidence: acme/shop#777", body: renderRecordBody(unsealed), labels: recordLabels(unsealed).map((l) => l.name), viaApp: true, state: "closed" });
    const r = await run(["verify", "--repo", EVIDENCE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ {2}out-of-chain \S+\/issues\/\d+\n {6}#\d+ is merged but was never sealed into the chain/);
  });

  it("reports a look-alike record written by someone else, even without labels", async () => {
    const copy = fake.addIssue(EVIDENCE, { title: "AI evidence", body: issues[3]!.body, user: "mallory" });
    const r = await run(["verify", "--repo", EVIDENCE]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`  foreign      ${fake.apiBase.replace(/\/api\/v3$/, "")}/acme/evidence/issues/${copy.number}\n      #${copy.number} carries an evidence marker but was opened by @mallory, not @aims-bot[bot]`);
  });

  it("reports a record whose labels were removed, and honours --since/--until for per-record findings", async () => {
    const target = final()[30]!;
    target.labels = target.labels.filter((l) => !l.startsWith("annex-a:"));
    const all = await run(["verify", "--repo", EVIDENCE]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`#${target.number} lost labels its record implies: annex-a:`);
    const outside = await run(["verify", "--repo", EVIDENCE, "--until", "2026-01-31"]);
    expect(outside.code).toBe(0);
    expect(outside.stdout).toContain("Findings limited to records dated … to 2026-01-31");
  });
});
