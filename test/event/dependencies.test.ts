import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import nock from "nock";
import { useProbotWithNock, webhookExample } from "../support/probot-app.js";

const API = "https://api.github.com";
const REPO = "/repos/Codertocat/Hello-World";
const HEAD = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";
const MERGE_BASE = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";

const POLICY = `systems:
  - id: support-chatbot
    name: Support assistant
    paths: ["**"]
    risk: limited
`;

const lock = (packages: Record<string, string>) =>
  JSON.stringify({
    name: "shop",
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { name: "shop", dependencies: { express: "^4.19.0", "@langchain/openai": "^0.3.0" } },
      "node_modules/express": { version: "4.19.2" },
      ...Object.fromEntries(Object.entries(packages).map(([name, version]) => [`node_modules/${name}`, { version }])),
    },
  });

const BASE_FILES: Record<string, string> = {
  "requirements.txt": "fastapi==0.110.0\nopenai==1.30.0\n",
  "package-lock.json": lock({ "@langchain/openai": "0.2.0", openai: "4.52.0" }),
};
const HEAD_FILES: Record<string, string> = {
  "requirements.txt": "fastapi==0.110.0\nopenai==1.51.2\ntorch==2.4.0 ; platform_system != 'Darwin'\n",
  "package-lock.json": lock({ "@langchain/openai": "0.3.1", "@langchain/core": "0.3.9", openai: "4.67.3", "js-tiktoken": "1.0.14" }),
};

function files(names: string[]) {
  return names.map((filename, i) => ({
    sha: String(i).padStart(40, "0"),
    filename,
    status: "modified",
    additions: 3,
    deletions: 1,
    changes: 4,
    blob_url: "",
    raw_url: "",
    contents_url: "",
    patch: "@@ -1 +1 @@",
  }));
}

describe("AI dependency changes on a pull request", () => {
  const t = useProbotWithNock();

  function mock(base: Record<string, string>, head: Record<string, string>) {
    const writes: any[] = [];
    nock(API).post("/app/installations/1/access_tokens").reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z" });
    nock(API).get(`${REPO}/contents/.github%2Faims.yml`).query({ ref: "master" }).reply(200, POLICY);
    nock(API).get(`${REPO}/pulls/2/files`).query(true).reply(200, files(Object.keys(head)));
    nock(API)
      .get(`${REPO}/compare/${MERGE_BASE}...${HEAD}`)
      .query(true)
      .reply(200, { merge_base_commit: { sha: MERGE_BASE }, files: [] });
    for (const [path, text] of Object.entries(base)) {
      nock(API).get(`${REPO}/contents/${encodeURIComponent(path)}`).query({ ref: MERGE_BASE }).reply(200, text);
    }
    for (const [path, text] of Object.entries(head)) {
      nock(API).get(`${REPO}/contents/${encodeURIComponent(path)}`).query({ ref: HEAD }).reply(200, text);
    }
    nock(API).get(`${REPO}/commits/${HEAD}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    nock(API)
      .post(`${REPO}/check-runs`)
      .times(2)
      .reply(201, (_p, body) => {
        writes.push(body);
        return { id: writes.length };
      });
    return writes;
  }

  const event = () => ({
    id: "dep-1",
    name: "pull_request" as const,
    payload: webhookExample("pull_request", "opened", (e: any) => e.repository?.full_name === "Codertocat/Hello-World"),
  });

  it("reports each AI package change from requirements.txt and package-lock.json, once per package", async () => {
    const writes = mock(BASE_FILES, HEAD_FILES);
    await t.probot.receive(event());
    const summary: string = uncell(writes[0].output.summary);
    expect(writes[0].conclusion).toBe("action_required");
    expect(summary).toContain("`openai` 1.30.0 → 1.51.2 (minor, direct, pypi, supplier OpenAI, llm-api)");
    expect(summary).toContain("`torch` 2.4.0 added (direct, pypi, supplier Meta (PyTorch Foundation), ml-framework)");
    expect(summary).toContain("`@langchain/openai` 0.2.0 → 0.3.1 (minor, direct, npm, supplier LangChain, agent-framework)");
    expect(summary).toContain("`openai` 4.52.0 → 4.67.3 (minor, transitive, npm, supplier OpenAI, llm-api)");
    // Two transitive AI additions from the lockfile are grouped into one row.
    expect(summary).toContain("2 transitive packages added");
    expect(summary).toMatch(/@langchain\/core, js-tiktoken|js-tiktoken, @langchain\/core/);
    expect(summary).not.toContain("fastapi");
    expect(summary).not.toContain("express");
    t.recorder.assertValid();
    expect(nock.isDone()).toBe(true);
  });

  it("fails the assessment gate closed, naming the file and line, when a lockfile does not parse", async () => {
    const writes = mock({ "package-lock.json": BASE_FILES["package-lock.json"]! }, { "package-lock.json": '{\n  "name": "shop",\n  "packages": {\n' });
    await t.probot.receive(event());
    expect(writes[0].conclusion).toBe("failure");
    expect(uncell(writes[0].output.summary)).toMatch(/package-lock\.json:4 could not be read: npm lockfile \(package-lock\.json\): invalid JSON/);
    // The readable base side alone is not diffed: that would report every package as removed.
    expect(uncell(writes[0].output.summary)).not.toContain("removed");
    expect(uncell(writes[0].output.summary)).toContain("a broken manifest or lockfile could hide an AI dependency");
    t.recorder.assertValid();
  });

  it("reports nothing for a manifest change that touches no AI package", async () => {
    const writes = mock(
      { "requirements.txt": "fastapi==0.110.0\n" },
      { "requirements.txt": "fastapi==0.111.0\nuvicorn==0.30.0\n" },
    );
    await t.probot.receive(event());
    expect(writes.map((w) => [w.conclusion, w.output.title])).toEqual([
      ["success", "No AI-relevant changes"],
      ["success", "No AI-relevant changes"],
    ]);
    t.recorder.assertValid();
  });
});
