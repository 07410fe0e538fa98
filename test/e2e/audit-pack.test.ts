import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { main } from "../../src/cli/main.js";
import { parseRecordBody, type EvidenceRecord } from "../../src/evidence/record.js";
import { checkRecordSignature, createVerifier } from "../../src/evidence/signing.js";
import { gitBlobSha, sha256Hex } from "../../src/util/digest.js";
import { assessmentMarkdown } from "../support/assessments.js";
import { throwawayKeyPem, throwawaySigner } from "../support/evidence-fixture.js";
import { FakeGitHub, type FakeRepo } from "../support/fake-github.js";
import { eventually, startApp, type RunningApp } from "../support/server.js";

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS: module.exports is the plugin.
const addFormats = require("ajv-formats") as (ajv: Ajv) => Ajv;

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
assessment:
  assessors:
    users: ["bob"]
oversight:
  tiers:
    limited:
      users: ["carol"]
controls:
  exclude:
    - id: A.4.6
      justification: Competence records are kept in the HR system, outside this management system.
  statement:
    version: "2"
    approved_by: "@bob"
    approved_on: "2026-11-01"
`;
const PHRASE = "aims-bot e2e: throwaway evidence key";
const AIA_PATH = "governance/impact-assessments/AIA-2026-014.md";
/** Approvals written in the file: the PR author's and a non-assessor's must never count. */
const AIA = assessmentMarkdown({
  risk: "limited",
  approvals: [
    `  - login: "@alice"\n    role: author\n    decision: approve\n    at: 2026-11-20\n`,
    `  - login: "@mallory"\n    role: bystander\n    decision: approve\n    at: 2026-11-21\n`,
    `  - login: "@bob"\n    role: AI governance lead\n    decision: approve\n    at: 2026-11-22\n`,
  ].join(""),
});

/** The real server writes a signed, pinned record; `aims export` packs it; `aims verify --pack` accepts the pack offline. */
describe("end to end: a re-performable record and a verifiable audit pack", () => {
  let fake: FakeGitHub;
  let app: RunningApp;
  let base: string;
  let repo: FakeRepo;
  let dir: string;
  const signer = throwawaySigner(PHRASE);

  beforeAll(async () => {
    fake = new FakeGitHub();
    const { url, host } = await fake.start();
    base = url;
    repo = fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, [AIA_PATH]: AIA, "README.md": "# Shop\n" } });
    app = await startApp(fake, host, { AIMS_SIGNING_KEY: throwawayKeyPem(PHRASE), AIMS_DASHBOARD_DEBOUNCE_MS: "20" });
    dir = mkdtempSync(join(tmpdir(), "aims-pack-"));
  }, 30_000);

  let stopped = false;
  afterAll(async () => {
    if (!stopped) {
      await app?.stop();
      await fake?.stop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => (await fetch(`${base}${path}`)).json();
  const issues = () => [...repo.issues.values()].filter((i) => !i.isPull);

  async function pullEvent(action: string, number: number) {
    return { action, number, pull_request: await get(`/repos/acme/shop/pulls/${number}`), repository: await get("/repos/acme/shop"), installation: { id: fake.installationId }, sender: { login: "alice", type: "User" } };
  }

  async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = "";
    const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stdout += t), cwd: dir, env: { GITHUB_TOKEN: "t", GITHUB_API_URL: fake.apiBase, APP_SLUG: fake.app.slug } });
    return { code, stdout };
  }

  let record: EvidenceRecord;

  it("writes a final record that pins the policy blob, the assessment content and only the approvals the gate accepted, signed", async () => {
    fake.commit(repo, { branch: "ranker", files: { "models/ranker.onnx": "\u0000ONNX-1\u0001" } });
    const pr = fake.addPullRequest(repo, { head: "ranker", user: "alice", title: "Add ranker", body: `Impact-Assessment: ${AIA_PATH}` });
    fake.addReview(repo, pr.number, { user: "carol", state: "APPROVED", body: "Offline eval within tolerance." });
    expect((await app.send("pull_request", await pullEvent("opened", pr.number))).status).toBeLessThan(300);
    await eventually(() => fake.checkRunsFor(repo, { headSha: pr.head.sha }).filter((r) => r.status === "completed").length === 2);
    fake.mergePull(repo, pr.number, "carol");
    expect((await app.send("pull_request", await pullEvent("closed", pr.number))).status).toBeLessThan(300);
    const final = await eventually(() => issues().find((i) => i.labels.includes("aims:evidence") && i.state === "closed"), 30_000);
    const parsed = parseRecordBody(final.body);
    if (!parsed.ok) throw new Error(parsed.problem);
    record = parsed.record;

    expect(record.policy.sources[0]).toMatchObject({ repository: "acme/shop", path: ".github/aims.yml", blobSha: gitBlobSha(POLICY) });
    const a = record.assessment.records[0]!;
    expect(a).toMatchObject({ id: "AIA-2026-014", blobSha: gitBlobSha(AIA), sha256: sha256Hex(AIA), sha: record.pullRequest.baseSha });
    expect(a.approvedBy).toEqual([{ login: "bob", at: "2026-11-22T00:00:00.000Z", decision: "approve", via: "listed assessor" }]);
    expect(a.rejected).toEqual([
      { login: "alice", at: "2026-11-20T00:00:00.000Z", reason: "author of the pull request" },
      { login: "mallory", at: "2026-11-21T00:00:00.000Z", reason: expect.stringMatching(/^not an assessor/) },
    ]);
    expect(final.body).not.toMatch(/approved by [^\n]*@(alice|mallory)/);
    expect(record.signOffs).toEqual([expect.objectContaining({ login: "carol", method: "review", via: "listed user", url: expect.stringMatching(/^http.*\/acme\/shop\/pull\/\d+#pullrequestreview-\d+$/) })]);
    expect(record.generator?.catalogue).toMatch(/^\d{4}\.\d{2}/);
    expect(record.controls.map((c) => c.id)).toEqual(expect.arrayContaining(["A.3.2", "A.5.2", "A.5.3", "A.6.1.3", "8.4"]));
    expect(record.controls.map((c) => c.id)).not.toContain("A.6.2.5");
    expect(checkRecordSignature(record, createVerifier(signer.publicKeyPem))).toBe("valid");
    // The dashboard publishes the signed chain head and the public key.
    const dashboard = await eventually(() => issues().find((i) => (i.body ?? "").includes(`<!-- aims:chain-head {"repository":"acme/shop","seq":${record.seq}`)), 20_000);
    expect(dashboard.body).toContain(signer.publicKeyPem.trim());
  }, 60_000);

  it("exports a pack that verify --pack accepts offline, with a statement of applicability and a CycloneDX file valid with formats on", async () => {
    writeFileSync(join(dir, "key.pem"), signer.publicKeyPem);
    const exported = await cli(["export", "--repo", "acme/shop", "--out", "pack", "--public-key", "key.pem"]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).not.toContain("left out");
    expect(exported.stdout).not.toContain("not signed");
    const head = JSON.parse(readFileSync(join(dir, "pack", "chain-head.json"), "utf8"));
    expect(head).toMatchObject({ repository: "acme/shop", seq: record.seq, hash: record.hash, keyId: signer.keyId });

    // Offline: the fake GitHub is stopped before the pack is checked.
    await app.stop();
    await fake.stop();
    stopped = true;
    const offline = await cli(["verify", "--pack", "pack", "--public-key", "key.pem"]);
    expect(offline.stdout).toMatch(/manifest intact\)\.\n.*\nOK: every record verifies and the chain is unbroken\.\n$/);
    expect(offline.code).toBe(0);

    const soa = readFileSync(join(dir, "pack", "statement-of-applicability.md"), "utf8");
    expect(soa).toContain("| Version | 2 |");
    expect(soa).toContain("| Approved by | \u2060@\u2060bob on 2026-11-01 |");
    expect(soa).toMatch(/\| A\.5\.2 \| AI system impact assessment process \| Yes \| .* \| not stated \(controls\.implementation\) \| — \| 1 merged pull request \(\[acme\/shop#\d+\]/);
    expect(soa).toContain("| A.4.6 | Human resources | No | Competence records are kept in the HR system");

    const schemaDir = join(require.resolve("@cyclonedx/cyclonedx-library/package.json"), "..", "res", "schema");
    const load = (f: string) => JSON.parse(readFileSync(join(schemaDir, f), "utf8")) as { $id?: string };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const f of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
      const { $id: _id, ...schema } = load(f);
      ajv.addSchema(schema, `http://cyclonedx.org/schema/${f}`);
    }
    const validate = ajv.compile(load("bom-1.6.SNAPSHOT.schema.json"));
    const bom = JSON.parse(readFileSync(join(dir, "pack", "ai-bom.cdx.json"), "utf8"));
    expect(validate(bom) ? [] : validate.errors).toEqual([]);
  }, 60_000);
});
