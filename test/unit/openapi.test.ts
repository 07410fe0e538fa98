import { afterEach, describe, expect, it } from "@jest/globals";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { matchOperation, recordAndValidateNock, validateRequest, validateResponse } from "../support/openapi.js";

const completed = {
  name: "AI impact assessment",
  head_sha: "a".repeat(40),
  status: "completed",
  conclusion: "success",
  completed_at: "2025-01-01T00:00:00Z",
  output: { title: "No AI changes", summary: "Nothing to assess." },
};

describe("matchOperation", () => {
  it("prefers literal segments over parameters", () => {
    const m = matchOperation("GET", "/repos/o/r/issues/comments");
    expect(m).toMatchObject({ template: "/repos/{owner}/{repo}/issues/comments", params: { owner: "o", repo: "r" } });
    expect(matchOperation("GET", "/repos/o/r/issues/7")).toMatchObject({ template: "/repos/{owner}/{repo}/issues/{issue_number}", params: { issue_number: "7" } });
  });

  it("strips host and /api/v3, decodes parameters and keeps the query", () => {
    const m = matchOperation("GET", "http://127.0.0.1:4000/api/v3/repos/o/r/contents/.github%2Faims.yml?ref=main");
    expect(m).toMatchObject({ template: "/repos/{owner}/{repo}/contents/{path}", params: { path: ".github/aims.yml" }, path: "/repos/o/r/contents/.github%2Faims.yml" });
    expect("query" in m && m.query.get("ref")).toBe("main");
  });

  it("lets multi-segment parameters span slashes", () => {
    expect(matchOperation("GET", "https://api.github.com/repos/o/r/contents/a/b/c.txt")).toMatchObject({ params: { path: "a/b/c.txt" } });
    expect(matchOperation("GET", "/repos/o/r/contents/")).toMatchObject({ params: { path: "" } });
  });
});

describe("validateRequest", () => {
  it("accepts a valid check run create", () => {
    expect(validateRequest({ method: "POST", url: "/repos/o/r/check-runs", body: completed })).toEqual([]);
  });

  it("accepts the body as JSON text", () => {
    expect(validateRequest({ method: "POST", url: "https://api.github.com/repos/o/r/check-runs", body: JSON.stringify(completed), headers: { "content-type": "application/json; charset=utf-8" } })).toEqual([]);
  });

  it("rejects an unknown conclusion", () => {
    const problems = validateRequest({ method: "POST", url: "/repos/o/r/check-runs", body: { ...completed, conclusion: "bogus" } });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("body/conclusion must be equal to one of the allowed values");
    expect(problems[0]).toContain("checks/create");
  });

  it("rejects a create without head_sha", () => {
    const { head_sha: _, ...body } = completed;
    expect(validateRequest({ method: "POST", url: "/repos/o/r/check-runs", body })).toEqual([
      expect.stringContaining("must have required property 'head_sha'"),
    ]);
  });

  it("accepts a check run update with output", () => {
    const body = { status: "completed", conclusion: "action_required", output: { title: "Assessment needed", summary: "…", text: "details" } };
    expect(validateRequest({ method: "PATCH", url: "/api/v3/repos/o/r/check-runs/1", body })).toEqual([]);
  });

  it("rejects a non-integer path parameter", () => {
    expect(validateRequest({ method: "PATCH", url: "/repos/o/r/check-runs/abc", body: {} })).toEqual([
      expect.stringContaining('path parameter "check_run_id" must be integer'),
    ]);
  });

  it("rejects a summary over 65535 characters", () => {
    const body = { ...completed, output: { title: "t", summary: "x".repeat(65536) } };
    expect(validateRequest({ method: "POST", url: "/repos/o/r/check-runs", body })).toEqual([
      expect.stringContaining("body/output/summary must NOT have more than 65535 characters"),
    ]);
  });

  it("rejects unknown paths and unknown methods", () => {
    expect(validateRequest({ method: "GET", url: "/repos/o/r/no-such-thing" })).toEqual([expect.stringContaining("no such path")]);
    expect(validateRequest({ method: "DELETE", url: "/repos/o/r/check-runs/1" })).toEqual([expect.stringContaining("has no DELETE operation")]);
  });

  it("accepts an issue create with labels (nullable fields without type are normalised)", () => {
    const body = { title: "AI evidence: acme/app#12", body: "<!-- aims -->", labels: ["ai-evidence", { name: "gate:oversight" }], milestone: null };
    expect(validateRequest({ method: "POST", url: "/repos/o/r/issues", body })).toEqual([]);
  });

  it("checks query parameter types and enums", () => {
    expect(validateRequest({ method: "GET", url: "/repos/o/r/issues?state=all&labels=a,b&per_page=100&page=2" })).toEqual([]);
    expect(validateRequest({ method: "GET", url: "/repos/o/r/issues?state=bogus&per_page=lots" })).toEqual([
      expect.stringContaining('query parameter "state" must be equal to one of the allowed values'),
      expect.stringContaining('query parameter "per_page" must be integer'),
    ]);
  });

  it("checks required query parameters", () => {
    // GET /search/issues requires q.
    expect(validateRequest({ method: "GET", url: "/search/issues" })).toEqual([expect.stringContaining('"q" is required')]);
  });

  it("treats a missing required body as an empty object", () => {
    expect(validateRequest({ method: "POST", url: "/repos/o/r/issues" })).toEqual([expect.stringContaining("required property 'title'")]);
  });

  it("rejects a body that is not JSON", () => {
    expect(validateRequest({ method: "POST", url: "/repos/o/r/issues", body: "{oops", headers: { "Content-Type": "application/json" } })).toEqual([
      expect.stringContaining("not valid JSON"),
    ]);
  });
});

describe("validateResponse", () => {
  it("reports missing required fields", () => {
    const problems = validateResponse({ method: "GET", url: "/repos/o/r/labels/bug", status: 200, body: { name: "bug" } });
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining("required property 'color'")]));
  });

  it("skips raw responses", () => {
    expect(validateResponse({ method: "GET", url: "/repos/o/r/contents/a.txt", status: 200, body: "text", contentType: "text/plain" })).toEqual([]);
  });
});

describe("recordAndValidateNock", () => {
  const octokit = new Octokit({ auth: "test", request: { retries: 0 } });
  let recorder: ReturnType<typeof recordAndValidateNock> | undefined;

  afterEach(() => {
    recorder?.stop();
    nock.cleanAll();
  });

  it("records and validates requests nock answers", async () => {
    recorder = recordAndValidateNock();
    nock("https://api.github.com")
      .post("/repos/o/r/check-runs")
      .reply(201, { id: 1 })
      .patch("/repos/o/r/check-runs/1")
      .reply(200, { id: 1 })
      .get("/repos/o/r/issues")
      .query(true)
      .reply(200, []);

    await octokit.rest.checks.create({ owner: "o", repo: "r", name: completed.name, head_sha: completed.head_sha, conclusion: "success" });
    await octokit.rest.checks.update({ owner: "o", repo: "r", check_run_id: 1, output: { title: "t", summary: "s" } });
    await octokit.rest.issues.listForRepo({ owner: "o", repo: "r", labels: "ai-evidence", state: "all" });

    expect(recorder.requests).toEqual([
      { method: "POST", path: "/repos/o/r/check-runs", body: { name: completed.name, head_sha: completed.head_sha, conclusion: "success" } },
      { method: "PATCH", path: "/repos/o/r/check-runs/1", body: { output: { title: "t", summary: "s" } } },
      { method: "GET", path: "/repos/o/r/issues?labels=ai-evidence&state=all", body: undefined },
    ]);
    expect(recorder.violations).toEqual([]);
    expect(() => recorder!.assertValid()).not.toThrow();
  });

  it("collects violations and throws on assertValid", async () => {
    recorder = recordAndValidateNock();
    nock("https://api.github.com").post("/repos/o/r/check-runs").reply(201, { id: 2 });
    // Octokit does not validate bodies: the cast stands for a bug in the app.
    await octokit.rest.checks.create({ owner: "o", repo: "r", name: "x", head_sha: "b".repeat(40), conclusion: "bogus" as "success" });
    expect(recorder.violations).toEqual([expect.stringContaining("body/conclusion must be equal to one of the allowed values")]);
    expect(() => recorder!.assertValid()).toThrow(/conclusion/);
  });

  it("stops recording after stop()", async () => {
    recorder = recordAndValidateNock();
    recorder.stop();
    nock("https://api.github.com").get("/repos/o/r").reply(200, {});
    await octokit.rest.repos.get({ owner: "o", repo: "r" });
    expect(recorder.requests).toEqual([]);
  });
});
