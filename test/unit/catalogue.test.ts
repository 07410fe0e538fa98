import { describe, expect, it } from "@jest/globals";
import {
  AI_PACKAGE_KINDS,
  CatalogueError,
  aiPackageEntrySchema,
  createAiPackageMatcher,
  loadAiPackageCatalogue,
  normalizePackageName,
  packageKey,
  parseAiPackageCatalogue,
  type CatalogueEntry,
} from "../../src/detect/catalogue.js";
import { ECOSYSTEMS } from "../../src/detect/manifests/types.js";

const catalogue = loadAiPackageCatalogue();
const match = createAiPackageMatcher(catalogue);

describe("shipped catalogue", () => {
  it("loads, and again from the cache", () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(170);
    expect(loadAiPackageCatalogue()).toBe(catalogue);
  });

  it("covers every ecosystem and every kind", () => {
    expect(new Set(catalogue.map((e) => e.ecosystem))).toEqual(new Set(ECOSYSTEMS));
    expect(new Set(catalogue.map((e) => e.kind))).toEqual(new Set(AI_PACKAGE_KINDS));
  });

  it("gives every biometric package the EU AI Act note", () => {
    const biometric = catalogue.filter((e) => e.kind === "biometric");
    expect(biometric.length).toBeGreaterThanOrEqual(10);
    for (const e of biometric) {
      expect(e.note).toMatch(/EU AI Act/);
      expect(e.note).toMatch(/Annex III/);
      expect(e.note).toMatch(/Art\. 5/);
    }
    for (const [ecosystem, name] of [
      ["pypi", "face_recognition"],
      ["pypi", "deepface"],
      ["pypi", "insightface"],
      ["pypi", "dlib"],
      ["npm", "face-api.js"],
      ["npm", "@vladmandic/face-api"],
    ] as const) {
      expect(match(ecosystem, name)?.kind).toBe("biometric");
    }
  });

  it("names the well-known suppliers", () => {
    expect(match("npm", "openai")).toMatchObject({ kind: "llm-api", supplier: "OpenAI" });
    expect(match("pypi", "anthropic")).toMatchObject({ kind: "llm-api", supplier: "Anthropic" });
    expect(match("pypi", "torch")).toMatchObject({ kind: "ml-framework", supplier: "Meta (PyTorch Foundation)" });
    expect(match("pypi", "jax")).toMatchObject({ kind: "ml-framework", supplier: "Google" });
    expect(match("pypi", "transformers")?.supplier).toBe("Hugging Face");
    expect(match("npm", "ai")?.supplier).toBe("Vercel");
    expect(match("npm", "@modelcontextprotocol/sdk")?.kind).toBe("mcp");
    expect(match("pypi", "tiktoken")?.kind).toBe("tokenizer");
  });

  it("has no two entries for one package", () => {
    // Parsing rejects normalised duplicates; this also catches case-only twins in case-sensitive ecosystems.
    const keys = catalogue.map((e) => `${e.ecosystem}:${e.name ?? e.pattern}`);
    expect(new Set(keys.map((k) => k.toLowerCase())).size).toBe(keys.length);
  });
});

describe("pattern matching", () => {
  it("matches npm scopes and nothing that merely starts alike", () => {
    expect(match("npm", "@langchain/core")?.supplier).toBe("LangChain");
    expect(match("npm", "@langchain/langgraph")?.kind).toBe("agent-framework");
    expect(match("npm", "@langchainx/core")).toBeUndefined();
    expect(match("npm", "langchainx")).toBeUndefined();
    expect(match("npm", "@ai-sdk/anthropic")?.supplier).toBe("Vercel");
  });

  it("matches PyPI prefixes after PEP 503 normalisation", () => {
    expect(match("pypi", "langchain-openai")?.supplier).toBe("LangChain");
    expect(match("pypi", "langchain_community")?.supplier).toBe("LangChain");
    expect(match("pypi", "Llama_Index.Core")?.supplier).toBe("LlamaIndex");
    expect(match("pypi", "langchainx")).toBeUndefined();
    expect(match("pypi", "requests")).toBeUndefined();
  });

  it("matches Go modules at any major version", () => {
    expect(match("go", "github.com/sashabaranov/go-openai")?.kind).toBe("llm-api");
    expect(match("go", "github.com/sashabaranov/go-openai/v2")?.kind).toBe("llm-api");
    expect(match("go", "github.com/openai/openai-go/v3")?.supplier).toBe("OpenAI");
    expect(match("go", "github.com/openai/openai-go/v3x")).toBeUndefined();
    expect(match("go", "github.com/openai/openai-go-extra")).toBeUndefined();
    expect(match("go", "github.com/cloudwego/eino-ext/components/model/openai")?.kind).toBe("agent-framework");
  });

  it("matches Maven group patterns and NuGet names case-insensitively", () => {
    expect(match("maven", "dev.langchain4j:langchain4j-open-ai")?.supplier).toBe("LangChain4j");
    expect(match("maven", "org.springframework.ai:spring-ai-openai-spring-boot-starter")?.kind).toBe(
      "agent-framework",
    );
    expect(match("maven", "org.springframework:spring-core")).toBeUndefined();
    expect(match("nuget", "microsoft.semantickernel")?.supplier).toBe("Microsoft");
    expect(match("nuget", "Microsoft.SemanticKernel.Connectors.OpenAI")?.kind).toBe("agent-framework");
    expect(match("nuget", "Microsoft.Extensions.Logging")).toBeUndefined();
  });

  it("prefers exact names, then the more specific pattern", () => {
    expect(match("nuget", "Microsoft.ML")?.kind).toBe("ml-framework");
    expect(match("nuget", "Microsoft.ML.OnnxRuntime.Gpu")?.kind).toBe("inference-runtime");
    expect(match("nuget", "Microsoft.ML.Tokenizers")?.kind).toBe("tokenizer");
    expect(match("docker", "nvcr.io/nvidia/pytorch")?.kind).toBe("ml-framework");
    expect(match("docker", "nvcr.io/nvidia/tritonserver")?.kind).toBe("inference-runtime");
    expect(match("npm", "@tensorflow-models/face-landmarks-detection")?.kind).toBe("biometric");
    expect(match("npm", "@tensorflow-models/coco-ssd")?.kind).toBe("ml-framework");
  });

  it("matches images with or without the implicit Docker Hub prefix", () => {
    expect(match("docker", "docker.io/pytorch/pytorch")?.supplier).toBe("Meta (PyTorch Foundation)");
    expect(match("docker", "Ollama/Ollama")?.kind).toBe("inference-runtime");
    expect(match("docker", "ghcr.io/huggingface/text-generation-inference")?.supplier).toBe("Hugging Face");
    expect(match("docker", "python")).toBeUndefined();
  });

  it("matches actions by owner/repo, including actions in a sub-folder", () => {
    expect(match("github-actions", "actions/ai-inference")?.supplier).toBe("GitHub");
    expect(match("github-actions", "Anthropics/Claude-Code-Action")?.supplier).toBe("Anthropic");
    expect(match("github-actions", "iterative/setup-dvc/sub")?.kind).toBe("mlops");
    expect(match("github-actions", "actions/checkout")).toBeUndefined();
    expect(match("github-actions", "docker://ollama/ollama")?.kind).toBe("inference-runtime");
    expect(match("github-actions", "docker://alpine")).toBeUndefined();
  });

  it("stays fast on hostile patterns (no regex backtracking)", () => {
    const hostile: CatalogueEntry = {
      ecosystem: "npm",
      pattern: "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
      kind: "llm-api",
      supplier: "X",
    };
    const m = createAiPackageMatcher([], { extra: [hostile] });
    expect(m("npm", "a".repeat(5000))).toBeUndefined();
    expect(m("npm", `${"a".repeat(20)}b`)).toBe(hostile);
    // Regex metacharacters are literal.
    const dotted = createAiPackageMatcher([{ ecosystem: "npm", pattern: "a.b*", kind: "llm-api", supplier: "X" }]);
    expect(dotted("npm", "a.bc")).toBeDefined();
    expect(dotted("npm", "axbc")).toBeUndefined();
  });
});

describe("normalizePackageName", () => {
  it.each([
    ["pypi", "Scikit_Learn", "scikit-learn"],
    ["pypi", "llama_index.core", "llama-index-core"],
    ["pypi", "a--_.b", "a-b"],
    ["nuget", "Microsoft.SemanticKernel", "microsoft.semantickernel"],
    ["maven", "dev.langchain4j:langchain4j:0.35.0", "dev.langchain4j:langchain4j"],
    ["maven", "dev.langchain4j:langchain4j", "dev.langchain4j:langchain4j"],
    ["docker", "docker.io/library/Python", "python"],
    ["docker", "library/python", "python"],
    ["docker", "docker.io/pytorch/pytorch", "pytorch/pytorch"],
    ["docker", "nvcr.io/nvidia/pytorch", "nvcr.io/nvidia/pytorch"],
    ["cargo", "Candle_Core", "candle-core"],
    ["npm", "@LangChain/Core", "@LangChain/Core"],
    ["go", "github.com/Azure/azure-sdk-for-go/sdk/ai/azopenai", "github.com/Azure/azure-sdk-for-go/sdk/ai/azopenai"],
    ["github-actions", "Actions/AI-Inference", "actions/ai-inference"],
    ["github-actions", "docker://docker.io/library/Alpine", "docker://alpine"],
  ] as const)("%s %s → %s", (ecosystem, name, expected) => {
    expect(normalizePackageName(ecosystem, name)).toBe(expected);
  });

  it("keys Go modules without their major suffix", () => {
    expect(packageKey("go", "github.com/openai/openai-go/v3")).toBe("github.com/openai/openai-go");
    expect(packageKey("go", "github.com/openai/openai-go/v1")).toBe("github.com/openai/openai-go/v1");
    expect(packageKey("go", "github.com/x/y/v12")).toBe("github.com/x/y");
  });
});

describe("extra and ignore", () => {
  const extra: CatalogueEntry[] = [
    { ecosystem: "npm", name: "@acme/llm-client", kind: "llm-api", supplier: "Acme" },
    { ecosystem: "pypi", pattern: "acme-ml-*", kind: "ml-framework", supplier: "Acme" },
    { ecosystem: "npm", name: "openai", kind: "llm-api", supplier: "OpenAI via Acme proxy" },
  ];

  it("adds repository packages and lets them override catalogue entries", () => {
    const m = createAiPackageMatcher(catalogue, { extra });
    expect(m("npm", "@acme/llm-client")?.supplier).toBe("Acme");
    expect(m("pypi", "Acme_ML.Core")?.supplier).toBe("Acme");
    expect(m("npm", "openai")?.supplier).toBe("OpenAI via Acme proxy");
    expect(m("pypi", "openai")?.supplier).toBe("OpenAI");
  });

  it("ignores by ecosystem:name, ecosystem:pattern and bare names", () => {
    const m = createAiPackageMatcher(catalogue, {
      extra,
      ignore: ["npm:@langchain/*", "pypi:Sentence_Transformers", "tiktoken", "maven:dev.langchain4j:langchain4j-core", "acme-ml-*"],
    });
    expect(m("npm", "@langchain/core")).toBeUndefined();
    expect(m("npm", "langchain")).toBeDefined();
    expect(m("pypi", "sentence-transformers")).toBeUndefined();
    expect(m("pypi", "tiktoken")).toBeUndefined();
    expect(m("npm", "tiktoken")).toBeUndefined();
    expect(m("maven", "dev.langchain4j:langchain4j-core")).toBeUndefined();
    expect(m("maven", "dev.langchain4j:langchain4j")).toBeDefined();
    expect(m("pypi", "acme-ml-core")).toBeUndefined();
    expect(m("pypi", "torch")).toBeDefined();
  });

  it("ignores a Go module at every major version", () => {
    const m = createAiPackageMatcher(catalogue, { ignore: ["go:github.com/sashabaranov/go-openai"] });
    expect(m("go", "github.com/sashabaranov/go-openai/v2")).toBeUndefined();
  });
});

describe("catalogue validation", () => {
  it("rejects an entry with both or neither of name and pattern", () => {
    const base = { ecosystem: "npm", kind: "llm-api", supplier: "X" };
    expect(aiPackageEntrySchema.safeParse({ ...base, name: "a", pattern: "a*" }).success).toBe(false);
    expect(aiPackageEntrySchema.safeParse(base).success).toBe(false);
    expect(aiPackageEntrySchema.safeParse({ ...base, name: "a*" }).success).toBe(false);
    expect(aiPackageEntrySchema.safeParse({ ...base, pattern: "abc" }).success).toBe(false);
    expect(aiPackageEntrySchema.safeParse({ ...base, name: "a", extra: 1 }).success).toBe(false);
    expect(aiPackageEntrySchema.safeParse({ ...base, name: "a", kind: "chatbot" }).success).toBe(false);
    expect(aiPackageEntrySchema.safeParse({ ...base, name: "a" }).success).toBe(true);
  });

  it("names both entries of a duplicate, after normalisation", () => {
    const text = [
      "packages:",
      "  - { ecosystem: pypi, name: torch, kind: ml-framework, supplier: Meta }",
      "  - { ecosystem: npm, name: torch, kind: ml-framework, supplier: Meta }",
      "  - { ecosystem: pypi, name: Torch, kind: ml-framework, supplier: Meta }",
    ].join("\n");
    let error: unknown;
    try {
      parseAiPackageCatalogue(text, "test.yml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogueError);
    const problems = (error as CatalogueError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 4 });
    expect(problems[0]!.message).toContain('[2] pypi name "Torch" repeats [0] pypi name "torch"');
  });

  it("reports the line of an invalid field and of broken YAML", () => {
    const invalid = "packages:\n  - ecosystem: npm\n    name: x\n    kind: nonsense\n    supplier: X\n";
    expect(() => parseAiPackageCatalogue(invalid, "c.yml")).toThrow(/c\.yml: 4:\d+ packages\.0\.kind/);
    expect(() => parseAiPackageCatalogue("packages: [", "c.yml")).toThrow(CatalogueError);
    expect(() => parseAiPackageCatalogue("other: []", "c.yml")).toThrow(/packages/);
  });
});
