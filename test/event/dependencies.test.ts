import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import { receive, useFakeProbot } from "../support/fake-probot.js";
import { payloads } from "../support/payloads.js";

const ASSESSMENT = "aims/impact-assessment";
const OVERSIGHT = "aims/human-oversight";

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

describe("AI dependency changes on a pull request (in-process app, stateful fake GitHub)", () => {
  const t = useFakeProbot();

  /** The manifests in `base` on main, alice's PR changing them to `head`; returns the assessment check after the PR opened. */
  async function openPull(base: Record<string, string>, head: Record<string, string>) {
    const repo = t.fake.addRepo("acme/shop", { files: { ".github/aims.yml": POLICY, ...base } });
    t.fake.commit(repo, { branch: "deps", files: head, author: "alice" });
    // main moves on after the branch was cut: the merge base is not the base branch's tip.
    t.fake.commit(repo, { branch: "main", files: { "docs/changelog.md": "- next\n" } });
    const pr = t.fake.addPullRequest(repo, { head: "deps", user: "alice" });
    const mergeBase = t.fake.mergeBase(pr.base.sha, pr.head.sha);
    expect(mergeBase).not.toBe(pr.base.sha);
    await receive(t.probot, "pull_request", await payloads(t.fake, "acme/shop").pullRequest(pr.number, "opened"));
    // Each manifest is read at the merge base and at the head, never at the base branch's tip.
    for (const path of Object.keys(head)) {
      const reads = t.fake.requests.filter((r) => r.operationId === "repos/get-content" && decodeURIComponent(r.path).endsWith(`/${path}`));
      expect(reads.map((r) => r.query.ref).sort()).toEqual([mergeBase, pr.head.sha].sort());
    }
    return (name: string) => t.fake.checkRunsFor(repo, { headSha: pr.head.sha, name }).at(-1)!;
  }

  it("reports each AI package change from requirements.txt and package-lock.json, once per package", async () => {
    const check = await openPull(BASE_FILES, HEAD_FILES);
    const summary = uncell(check(ASSESSMENT).output.summary!);
    expect(check(ASSESSMENT).conclusion).toBe("action_required");
    expect(summary).toContain("`openai` 1.30.0 → 1.51.2 (minor, direct, pypi, supplier OpenAI, llm-api)");
    expect(summary).toContain("`torch` 2.4.0 added (direct, pypi, supplier Meta (PyTorch Foundation), ml-framework)");
    expect(summary).toContain("`@langchain/openai` 0.2.0 → 0.3.1 (minor, direct, npm, supplier LangChain, agent-framework)");
    expect(summary).toContain("`openai` 4.52.0 → 4.67.3 (minor, transitive, npm, supplier OpenAI, llm-api)");
    // Two transitive AI additions from the lockfile are grouped into one row.
    expect(summary).toContain("2 transitive packages added");
    expect(summary).toMatch(/@langchain\/core, js-tiktoken|js-tiktoken, @langchain\/core/);
    expect(summary).not.toContain("fastapi");
    expect(summary).not.toContain("express");
  });

  it("fails the assessment gate closed, naming the file and line, when a lockfile does not parse", async () => {
    const check = await openPull({ "package-lock.json": BASE_FILES["package-lock.json"]! }, { "package-lock.json": '{\n  "name": "shop",\n  "packages": {\n' });
    const summary = uncell(check(ASSESSMENT).output.summary!);
    expect(check(ASSESSMENT).conclusion).toBe("failure");
    expect(summary).toMatch(/package-lock\.json:4 could not be read: npm lockfile \(package-lock\.json\): invalid JSON/);
    // The readable base side alone is not diffed: that would report every package as removed.
    expect(summary).not.toContain("removed");
    expect(summary).toContain("a broken manifest or lockfile could hide an AI dependency");
  });

  it("reports nothing for a manifest change that touches no AI package", async () => {
    const check = await openPull({ "requirements.txt": "fastapi==0.110.0\n" }, { "requirements.txt": "fastapi==0.111.0\nuvicorn==0.30.0\n" });
    expect([ASSESSMENT, OVERSIGHT].map((name) => [check(name).conclusion, check(name).output.title])).toEqual([
      ["success", "No AI-relevant changes"],
      ["success", "No AI-relevant changes"],
    ]);
  });
});
