import { describe, expect, it } from "@jest/globals";
import { evaluateGates, evaluationFailed } from "../../src/gates/evaluate.js";
import type { PullRequestFacts } from "../../src/gates/facts.js";
import type { NextStep } from "../../src/gates/types.js";
import { renderGates } from "../../src/render/check.js";
import { wordStep, wordSteps } from "../../src/render/next-steps.js";

/** Phrases that only make sense on GitHub: a check run's button, the app's installation. */
const GITHUB_ONLY = /re-run this check|checks tab|app is installed/i;

const EVERY_TYPED_STEP: NextStep[] = [
  { code: "evaluate-again" },
  { code: "evaluate-again", reread: "the reviews are read again" },
  { code: "evaluate-again", membersPermission: true },
  { code: "evaluate-again", orPush: true },
  { code: "check-installation" },
  { code: "fix-policy", path: ".github/aims.yml", baseRef: "main" },
];

const facts: PullRequestFacts = {
  number: 7,
  author: "dev",
  headSha: "a".repeat(40),
  baseRef: "main",
  changedFileCount: 1,
  filesTruncated: false,
  changes: [],
  problems: [],
};

describe("next steps worded for each surface", () => {
  it("offers a check run's Re-run on GitHub", () => {
    expect(wordStep({ code: "evaluate-again", reread: "the reviews are read again" }, "check-run")).toBe(
      "Re-run this check; the reviews are read again from GitHub.",
    );
    expect(wordStep({ code: "evaluate-again", membersPermission: true }, "check-run")).toBe(
      "Re-run this check. If it keeps failing, confirm the app has the Members (read) organisation permission.",
    );
    expect(wordStep({ code: "check-installation" }, "check-run")).toContain("aims-bot app is installed");
  });

  it("never offers a GitHub-only action on the command line", () => {
    const words = wordSteps(EVERY_TYPED_STEP, "command-line");
    expect(words.length).toBeGreaterThan(0);
    for (const w of words) expect(w).not.toMatch(GITHUB_ONLY);
    expect(wordStep({ code: "evaluate-again", reread: "the reviews are read again" }, "command-line")).toBe(
      "Run `aims check` again; the reviews are read again.",
    );
    expect(wordStep({ code: "check-installation" }, "command-line")).toBeUndefined();
  });

  it("passes instructions through unchanged on every surface", () => {
    const text = "Link the assessment issue or file instead.";
    expect(wordStep(text, "check-run")).toBe(text);
    expect(wordStep(text, "command-line")).toBe(text);
  });

  it("words a failed evaluation and an invalid policy for the command line in Markdown too", () => {
    const invalid = evaluateGates({ ok: false, reason: "invalid", sources: [], problems: [{ file: ".github/aims.yml", line: 2, message: "bad" }] }, facts);
    for (const gates of [invalid, evaluationFailed("GitHub answered 502")]) {
      const local = renderGates(gates, undefined, { headSha: facts.headSha, baseRef: "main", surface: "command-line" });
      const github = renderGates(gates, undefined, { headSha: facts.headSha, baseRef: "main" });
      for (const out of local) {
        expect(out.summary).not.toMatch(GITHUB_ONLY);
        expect(out.summary).toContain("`aims check` again");
      }
      for (const out of github) expect(out.summary).toMatch(/re-run this check/i);
    }
  });
});
