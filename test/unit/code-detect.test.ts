import { describe, expect, it } from "@jest/globals";
import { createCodeDetector } from "../../src/detect/code/index.js";
import { parseCodeRules } from "../../src/detect/code/rules.js";
import type { ChangedFile } from "../../src/detect/types.js";

const detector = createCodeDetector({ systemFor: () => "unregistered", gated: true, today: "2026-12-01" });

function input(filename: string, base: string | undefined, head: string | undefined, patch?: string) {
  const status = base === undefined ? "added" : head === undefined ? "removed" : "modified";
  const file: ChangedFile = { filename, status, additions: 1, deletions: 1, ...(patch !== undefined ? { patch } : {}) };
  return { file, ...(base !== undefined ? { base } : {}), ...(head !== undefined ? { head } : {}) };
}

const chat = (model: string, comment = "GPT answers") =>
  `from openai import OpenAI\nclient = OpenAI()\n\n# ${comment}\ndef ask(q):\n    return client.chat.completions.create(\n        model="${model}",\n        messages=[{"role": "user", "content": q}],\n    )\n`;

describe("code detection", () => {
  it("reports a model change with both ids and the line of the new id", async () => {
    const { changes, problems } = await detector.detect([input("chat/developer.py", chat("gpt-3.5-turbo"), chat("gpt-4o"))]);
    expect(problems).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.code).toMatchObject({ change: "model-changed", fromModel: "gpt-3.5-turbo", model: "gpt-4o", line: 7, provider: { id: "openai" } });
    expect(changes[0]!.reason).toContain("`gpt-3.5-turbo` → `gpt-4o` in `chat/developer.py:7`");
    expect(changes[0]!.reason).toContain("deprecated since 2026-10-14");
  });

  it("reports nothing when only a comment mentioning GPT changed", async () => {
    const { changes } = await detector.detect([input("chat.py", chat("gpt-4o", "GPT answers"), chat("gpt-4o", "GPT-4 answers, see the GPT docs"))]);
    expect(changes).toEqual([]);
  });

  it("says where data now goes when a local embedding model is replaced by a hosted one", async () => {
    const local = `from sentence_transformers import SentenceTransformer\nm = SentenceTransformer("all-MiniLM-L6-v2")\n`;
    const hosted = `from openai import OpenAI\nc = OpenAI()\nv = c.embeddings.create(model="text-embedding-3-small", input=texts)\n`;
    const { changes } = await detector.detect([input("embeddings.py", local, hosted)]);
    const reasons = changes.map((c) => c.reason).join("\n");
    expect(reasons).toContain("sentence-transformers model (`all-MiniLM-L6-v2`) removed");
    expect(reasons).toContain("prompts and user data are sent to OpenAI");
    expect(changes.find((c) => c.code!.model === "text-embedding-3-small")?.code?.change).toBe("added");
  });

  it("names the notebook cell and ignores outputs and Markdown", async () => {
    const nb = JSON.stringify({
      cells: [
        { cell_type: "markdown", source: ["Uses ChatOpenAI(model='gpt-4o')"] },
        { cell_type: "code", source: ["%pip install langchain-openai\n", "from langchain_openai import ChatOpenAI\n"], outputs: [{ text: "ChatOpenAI(model='x')" }] },
        { cell_type: "code", source: ["llm = ChatOpenAI(model='gpt-4o-mini')\n"] },
      ],
    });
    const { changes } = await detector.detect([input("demo.ipynb", undefined, nb)]);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.code).toMatchObject({ cell: 3, line: 1, model: "gpt-4o-mini" });
  });

  it("reports unreadable notebooks, binary sources and oversized sources as problems, never a crash", async () => {
    const big = `import openai\n${"x = 1\n".repeat(200_000)}`;
    const { problems } = await detector.detect([
      input("bad.ipynb", undefined, "{not json"),
      input("blob.py", undefined, "\u0000\u0001\u0002"),
      input("dist/bundle.js", undefined, big),
    ]);
    expect(problems.map((p) => p.path)).toEqual(["bad.ipynb", "blob.py", "dist/bundle.js"]);
    expect(problems[0]!.message).toMatch(/unreadable notebook/);
    expect(problems[2]!.message).toMatch(/above the 1 MB limit/);
  });

  it("gives up on a parse that exceeds its budget", async () => {
    const slow = createCodeDetector({ systemFor: () => "x", gated: true, today: "2026-12-01", parseBudgetMs: 0.001 });
    const { problems } = await slow.detect([input("huge.py", undefined, `import openai\n${"client.chat.completions.create(model='gpt-4o')\n".repeat(20_000)}`)]);
    expect(problems[0]?.message).toMatch(/parsing took longer than/);
  });

  it("pre-screens patches: only files whose changed lines name AI APIs or models are read", () => {
    const file = (filename: string, patch: string | undefined): ChangedFile => ({ filename, status: "modified", additions: 1, deletions: 1, ...(patch ? { patch } : {}) });
    expect(detector.isCandidate(file("app.py", "@@ -1 +1 @@\n-x = 1\n+x = 2"))).toBe(false);
    expect(detector.isCandidate(file("app.py", "@@ -1 +1 @@\n-model='gpt-3.5-turbo'\n+model='gpt-4o'"))).toBe(true);
    expect(detector.isCandidate(file("README.md", "@@ -1 +1 @@\n+openai"))).toBe(false);
    expect(detector.isCandidate(file("big.ts", undefined))).toBe(true);
    expect(detector.isCandidate({ filename: "blob.py", status: "modified", additions: 0, deletions: 0 })).toBe(false);
  });

  it("applies extra rules and silences ignored ones", async () => {
    const extra = parseCodeRules(`version: 1\nrules:\n  - { id: acme.llm, kind: ai-api, what: in-house LLM call, calls: [acme_complete], model: [model] }\n`);
    const custom = createCodeDetector({ systemFor: () => "x", gated: true, today: "2026-12-01", extra, ignore: ["openai.client"] });
    const src = `from openai import OpenAI\nc = OpenAI()\nacme_complete(model="m1")\n`;
    const { changes } = await custom.detect([input("a.py", undefined, src)]);
    expect(changes.map((c) => c.rule)).toEqual(["code.acme.llm"]);
  });

  it("rejects a rule file with a clear file:line message", () => {
    expect(() => parseCodeRules("version: 1\nrules:\n  - { id: Bad, kind: ai-api, what: x, calls: [a] }\n", "rules.yml")).toThrow(/rules\.yml:3:\d+: rules\.0\.id/);
  });
});

describe("serving set-ups", () => {
  const file = (filename: string, patch: string): ChangedFile => ({ filename, status: "modified", additions: 1, deletions: 1, patch });

  it("names the model a container set-up pulls or serves, and its change", () => {
    const compose = file("docker-compose.yml", "@@ -10,3 +10,3 @@\n   ollama:\n-    command: sh -c \"ollama serve & sleep 2 && ollama pull llama3.1:8b\"\n+    command: sh -c \"ollama serve & sleep 2 && ollama pull qwen2.5:7b\"");
    const docker = file("Dockerfile", "@@ -1,2 +1,3 @@\n FROM vllm/vllm-openai\n+CMD [\"vllm\", \"serve\", \"mistralai/Mistral-7B-Instruct-v0.3\"]\n # vllm serve commented/model");
    const k8s = file("deploy/tgi.yaml", "@@ -20,2 +20,3 @@\n         args:\n+          - --model-id\n+          - --model-id=meta-llama/Llama-3.1-8B-Instruct");
    const changes = detector.serving([compose, docker, k8s]);
    expect(changes[0]!.reason).toBe("model `llama3.1:8b` → `qwen2.5:7b` in `docker-compose.yml:11` (model served by Ollama)");
    expect(changes[2]!.reason).toBe("new model served by model server (`meta-llama/Llama-3.1-8B-Instruct`) in `deploy/tgi.yaml:22`");
    expect(changes.map((c) => c.code!.model)).toEqual(["qwen2.5:7b", "mistralai/Mistral-7B-Instruct-v0.3", "meta-llama/Llama-3.1-8B-Instruct"]);
    expect(changes.every((c) => c.category === "code" && c.code!.kind === "serving")).toBe(true);
  });

  it("ignores comments and unrelated files", () => {
    expect(detector.serving([file("Dockerfile", "@@ -1 +1 @@\n+# ollama pull llama3"), file("src/app.ts", "@@ -1 +1 @@\n+ollama pull llama3")])).toEqual([]);
  });
});

describe("code changes in the check run", () => {
  it("lists them by system with the old and new model, the provider and a link to the diff line", async () => {
    const { renderChanges } = await import("../../src/render/check.js");
    const { createHash } = await import("node:crypto");
    const { changes } = await detector.detect([input("chat/developer.py", chat("gpt-3.5-turbo"), chat("gpt-4o"))]);
    const text = renderChanges(changes, undefined, 10_000, "https://github.com/acme/shop/pull/7/files");
    const anchor = createHash("sha256").update("chat/developer.py").digest("hex");
    expect(text).toContain(`| code | [\`chat/developer.py:7\`](https://github.com/acme/shop/pull/7/files#diff-${anchor}R7) (model-changed, ai-api, OpenAI, \`gpt-3.5-turbo\` → \`gpt-4o\`) |`);
    expect(text).toContain("#### Unregistered");
  });
});

describe("code detection on awkward input", () => {
  it("reads text that was not UTF-8 and sources that do not parse, without a crash", async () => {
    const latin1 = Buffer.from("# caf\xe9 \xfc\nfrom openai import OpenAI\nc = OpenAI()\n", "latin1").toString("utf8");
    const broken = `from openai import OpenAI\nc = OpenAI(\ndef (:\n  r = c.chat.completions.create(model="gpt-4o"\n`;
    const { changes, problems } = await detector.detect([input("latin1.py", undefined, latin1), input("broken.py", undefined, broken)]);
    expect(changes.map((c) => c.path)).toEqual(["latin1.py"]);
    expect(problems).toEqual([{ path: "broken.py", message: expect.stringMatching(/does not parse \(syntax error at line \d\)/) }]);
  });
});

describe("detect.code in .github/aims.yml", () => {
  it("reports a bad extra rule with its file, line and column", async () => {
    const { parseConfigText, formatProblem } = await import("../../src/config/parse.js");
    const result = parseConfigText("detect:\n  code:\n    extra:\n      - id: acme.llm\n        kind: chat\n        what: in-house LLM\n        calls: [complete]\n    ignore: [openai.client]\n", ".github/aims.yml");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map(formatProblem).join("\n")).toMatch(/^\.github\/aims\.yml:5:\d+ .*kind/m);
  });
});

describe("sign-offs kept when AI content did not change", () => {
  it("count a later push that changes a model in code as an AI change", async () => {
    const { builtInDefaults, resolvePolicy } = await import("../../src/config/policy.js");
    const { aiChangesSince } = await import("../../src/github/oversight-facts.js");
    const policy = resolvePolicy(builtInDefaults(), []);
    const files: ChangedFile[] = [
      { filename: "bot/answer.py", status: "modified", additions: 1, deletions: 1, patch: "@@ -9 +9 @@\n-        model=\"gpt-4o-mini\",\n+        model=\"gpt-4.1\"," },
      { filename: "web/styles.css", status: "modified", additions: 1, deletions: 1, patch: "@@ -1 +1 @@\n-a{}\n+b{}" },
    ];
    const ctx = { changedSince: async () => ({ files, complete: true }) } as unknown as Parameters<typeof aiChangesSince>[0];
    expect(await aiChangesSince(ctx, policy, "a".repeat(40), { detect: () => [] } as unknown as Parameters<typeof aiChangesSince>[3])).toEqual({ files: ["bot/answer.py"], complete: true });
  });
});
