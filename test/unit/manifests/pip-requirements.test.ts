import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { minimatch } from "minimatch";
import { createAiPackageMatcher, loadAiPackageCatalogue } from "../../../src/detect/catalogue.js";
import { diffAiDependencies } from "../../../src/detect/dependency-diff.js";
import type { ManifestSnapshot } from "../../../src/detect/dependency-sightings.js";
import { manager } from "../../../src/detect/manifests/pip-requirements/index.js";
import { ManifestParseError } from "../../../src/detect/manifests/types.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../../fixtures/manifests/pip-requirements/${path}`, import.meta.url), "utf8");

const parseError = (text: string, path = "requirements.txt"): ManifestParseError => {
  try {
    manager.extract(text, path);
  } catch (err) {
    if (err instanceof ManifestParseError) return err;
    throw err;
  }
  throw new Error("expected a ManifestParseError");
};

describe("pip-requirements manager", () => {
  it("describes itself", () => {
    expect(manager).toMatchObject({ id: "pip-requirements", ecosystem: "pypi", kind: "manifest" });
  });

  it.each([
    ["requirements.txt", true],
    ["services/api/requirements.txt", true],
    ["requirements-dev.txt", true],
    ["dev-requirements.txt", true],
    ["requirements_test.txt", true],
    ["requirements/base.txt", true],
    ["backend/requirements/prod.txt", true],
    ["requirements.in", true],
    ["ml/dev-requirements.in", true],
    ["requirements/dev.in", true],
    ["requirements.py", false],
    ["docs/conf.txt", false],
    ["constraints.txt", false],
  ])("matches %s: %s", (path, expected) => {
    const matched = manager.filePatterns.some((p) => minimatch(path, p, { dot: true, matchBase: false }));
    expect(matched).toBe(expected);
  });

  describe("a FastAPI service", () => {
    const result = manager.extract(fixture("fastapi-service/requirements.txt"), "fastapi-service/requirements.txt");

    it("reads pins, ranges, extras, markers, hashes and continuations", () => {
      // The file's --extra-index-url is where a requirement without a location of its own may come from.
      const INDEX = "https://download.pytorch.org/whl/cu121";
      expect(result.dependencies).toEqual([
        { name: "fastapi", version: "0.115.6", scope: "prod", direct: true, source: INDEX },
        { name: "uvicorn", version: "0.32.1", scope: "prod", direct: true, source: INDEX },
        { name: "pydantic", version: ">=2.7,<3", scope: "prod", direct: true, source: INDEX },
        { name: "openai", version: "1.57.4", scope: "prod", direct: true, source: INDEX },
        { name: "langchain-community", version: ">=0.3.10", scope: "prod", direct: true, source: INDEX },
        { name: "torch", version: "2.5.1+cu121", scope: "prod", direct: true, source: INDEX },
        { name: "torch", version: "2.5.1", scope: "prod", direct: true, source: INDEX },
        { name: "sentence-transformers", version: "~=3.3", scope: "prod", direct: true, source: INDEX },
        { name: "tiktoken", scope: "prod", direct: true, source: INDEX },
        { name: "python-multipart", version: "0.0.19", scope: "prod", direct: true, source: INDEX },
        {
          name: "internal-auth",
          scope: "prod",
          direct: true,
          source: "git+https://github.com/acme-ai/internal-auth.git@v2.4.0",
        },
        {
          name: "prompt-registry",
          scope: "prod",
          direct: true,
          source: "git+https://github.com/acme-ai/prompt-registry.git@main#egg=prompt-registry",
        },
        {
          name: "acme_guard",
          version: "0.4.1",
          scope: "prod",
          direct: true,
          source: "https://github.com/acme-ai/guard/releases/download/v0.4.1/acme_guard-0.4.1-py3-none-any.whl",
        },
      ]);
    });

    it("reports -r and -c files relative to the file's folder", () => {
      expect(result.includes).toEqual(["fastapi-service/requirements/base.txt", "constraints.txt"]);
    });
  });

  it("gives dev scope to development requirement files and keeps their includes", () => {
    const result = manager.extract(fixture("fastapi-service/requirements-dev.txt"), "fastapi-service/requirements-dev.txt");
    expect(result.includes).toEqual(["fastapi-service/requirements.txt"]);
    expect(result.dependencies.map((d) => [d.name, d.version, d.scope])).toEqual([
      ["pytest", "8.3.4", "dev"],
      ["pytest-asyncio", ">=0.24", "dev"],
      ["ruff", "0.8.3", "dev"],
      ["mypy", "1.13.0", "dev"],
      ["httpx", ">=0.27", "dev"],
    ]);
  });

  it("reads files inside a requirements/ folder, with CRLF line ends", () => {
    const base = manager.extract(fixture("fastapi-service/requirements/base.txt"), "fastapi-service/requirements/base.txt");
    expect(base.dependencies.map((d) => d.name)).toEqual(["structlog", "prometheus-client"]);
    const prod = manager.extract(fixture("fastapi-service/requirements/prod.txt"), "fastapi-service/requirements/prod.txt");
    expect(prod.dependencies).toEqual([
      { name: "pydantic-settings", version: "2.6.1", scope: "prod", direct: true },
      { name: "redis", version: "5.2.1", scope: "prod", direct: true },
    ]);
    expect(prod.includes).toBeUndefined();
  });

  it("reads pip-tools .in files: long options, ===, parenthesised specifiers and local archives", () => {
    const result = manager.extract(fixture("ml-pipeline/requirements.in"), "ml-pipeline/requirements.in");
    expect(result.includes).toEqual(["constraints.txt", "ml-pipeline/shared/common.in"]);
    expect(result.dependencies).toEqual([
      { name: "transformers", version: ">=4.46", scope: "prod", direct: true },
      { name: "datasets", scope: "prod", direct: true },
      { name: "accelerate", version: ">=1.1", scope: "prod", direct: true },
      { name: "peft", version: "0.13.2", scope: "prod", direct: true },
      { name: "scikit-learn", version: ">=1.5,<1.6", scope: "prod", direct: true },
      { name: "wandb", scope: "prod", direct: true },
      {
        name: "tokenizer_patch",
        version: "0.2.0",
        scope: "prod",
        direct: true,
        source: "./vendor/tokenizer_patch-0.2.0.tar.gz",
      },
    ]);
    const dev = manager.extract(fixture("ml-pipeline/dev-requirements.in"), "ml-pipeline/dev-requirements.in");
    expect(dev.dependencies.every((d) => d.scope === "dev")).toBe(true);
    expect(dev.includes).toEqual(["ml-pipeline/requirements.txt"]);
  });

  it("returns the dependencies of a project without AI packages", () => {
    const result = manager.extract(fixture("django-shop/requirements.txt"), "django-shop/requirements.txt");
    expect(result.dependencies.map((d) => [d.name, d.version])).toEqual([
      ["Django", "5.1.4"],
      ["psycopg", ">=3.2"],
      ["celery", "5.4.0"],
      ["gunicorn", undefined],
      ["whitenoise", "6.8.2"],
    ]);
  });

  it.each([
    ["requirements-test.txt", "dev"],
    ["test-requirements.txt", "dev"],
    ["requirements/lint.txt", "dev"],
    ["requirements.dev.txt", "dev"],
    ["docs/requirements.txt", "dev"],
    ["requirements/production.txt", "prod"],
    ["requirements-gpu.txt", "prod"],
    ["requirements/devops.txt", "prod"],
  ])("scope of %s is %s", (path, scope) => {
    expect(manager.extract("numpy==2.1.3\n", path).dependencies[0]?.scope).toBe(scope);
  });

  it("names VCS links by #egg= or repository and keeps the link as the source", () => {
    const text = [
      "git+https://github.com/openai/whisper.git@v20240930",
      "git+ssh://git@github.com/acme/llm-tools.git@1.2#egg=llm-tools[server]",
      "-e git+https://github.com/acme/evals.git#egg=acme-evals --config-settings editable_mode=compat",
      "--editable=./packages/shared#egg=acme-shared",
      "-e ./packages/unnamed",
      "https://example.com/downloads/latest.zip",
    ].join("\n");
    expect(manager.extract(text, "requirements.txt").dependencies).toEqual([
      { name: "whisper", scope: "prod", direct: true, source: "git+https://github.com/openai/whisper.git@v20240930" },
      {
        name: "llm-tools",
        scope: "prod",
        direct: true,
        source: "git+ssh://git@github.com/acme/llm-tools.git@1.2#egg=llm-tools[server]",
      },
      { name: "acme-evals", scope: "prod", direct: true, source: "git+https://github.com/acme/evals.git#egg=acme-evals" },
      { name: "acme-shared", scope: "prod", direct: true, source: "./packages/shared#egg=acme-shared" },
    ]);
  });

  it("accepts PEP 508 URL requirements with markers and name@url without spaces", () => {
    const text = 'llama-cpp-python @ https://example.com/llama_cpp_python-0.3.2.tar.gz ; sys_platform == "linux"\nfoo@file:///wheels/foo-1.0-py3-none-any.whl\n';
    expect(manager.extract(text, "requirements.txt").dependencies).toEqual([
      { name: "llama-cpp-python", scope: "prod", direct: true, source: "https://example.com/llama_cpp_python-0.3.2.tar.gz" },
      { name: "foo", scope: "prod", direct: true, source: "file:///wheels/foo-1.0-py3-none-any.whl" },
    ]);
  });

  it("keeps wildcard pins and exclusions as specifiers", () => {
    const deps = manager.extract("numpy==1.26.*\nscipy!=1.11.0,>=1.10\nrequests >= 2.0 , < 3\n", "requirements.txt").dependencies;
    expect(deps.map((d) => d.version)).toEqual(["==1.26.*", "!=1.11.0,>=1.10", ">=2.0,<3"]);
  });

  it("accepts every pip global option and resolves quoted, glued and nested includes", () => {
    const text = [
      "--index-url=https://mirror.example.com/simple",
      "-i https://mirror.example.com/simple",
      "--extra-index-url https://download.pytorch.org/whl/cpu",
      "--find-links ./wheels",
      "-f https://example.com/wheels",
      "--trusted-host mirror.example.com",
      "--no-index",
      "--pre",
      "--prefer-binary",
      "--require-hashes",
      "--only-binary :all:",
      "--no-binary grpcio",
      "--use-feature truststore",
      "-rcommon.txt",
      "--constraint=../pins/constraints.txt",
      '-r "extra reqs.txt"',
      "-r https://example.com/shared-requirements.txt",
      "-r common.txt",
      "onnxruntime==1.20.1",
    ].join("\n");
    const result = manager.extract(text, "svc/requirements.txt");
    expect(result.dependencies).toEqual([
      {
        name: "onnxruntime",
        version: "1.20.1",
        scope: "prod",
        direct: true,
        source: "https://mirror.example.com/simple https://download.pytorch.org/whl/cpu",
      },
    ]);
    expect(result.includes).toEqual([
      "svc/common.txt",
      "pins/constraints.txt",
      "svc/extra reqs.txt",
      "https://example.com/shared-requirements.txt",
    ]);
  });

  it.each([
    ["-i https://download.pytorch.org/whl/cu121", "https://download.pytorch.org/whl/cu121"],
    ["--index-url https://pypi.org/simple/", undefined],
    ["--extra-index-url=https://ci:s3cret@pypi.acme.internal/simple", "https://pypi.acme.internal/simple"],
    ["--index-url https://a.example/simple\n--index-url https://b.example/simple", "https://b.example/simple"],
  ])("takes the file's indexes (%s) as the source of requirements without a location: %s", (options, source) => {
    const text = `${options}\ntorch==2.5.1\nvllm @ git+https://github.com/vllm-project/vllm@v0.6.4\n`;
    const [torch, vllm] = manager.extract(text, "requirements.txt").dependencies;
    expect(torch?.source).toBe(source);
    expect(vllm?.source).toBe("git+https://github.com/vllm-project/vllm@v0.6.4");
  });

  it("reports a switch of --index-url as a source change of the file's AI packages", () => {
    const side = (index: string): ManifestSnapshot[] => [
      { path: "requirements.txt", ecosystem: "pypi", kind: "manifest", dependencies: manager.extract(`--index-url ${index}\ntorch==2.5.1\nrequests==2.32.3\n`, "requirements.txt").dependencies },
    ];
    const matcher = createAiPackageMatcher(loadAiPackageCatalogue());
    expect(diffAiDependencies(side("https://download.pytorch.org/whl/cu121"), side("https://download.pytorch.org/whl/cpu"), matcher)).toEqual([
      expect.objectContaining({
        name: "torch",
        change: "source-changed",
        fromSource: "https://download.pytorch.org/whl/cu121",
        toSource: "https://download.pytorch.org/whl/cpu",
      }),
    ]);
  });

  it("joins continuations, ignoring a comment that ends them, and keeps #egg fragments", () => {
    const text = "transformers==4.47.0 \\\n  --hash=sha256:aa \\\n# a comment ends the continuation\nanthropic==0.40.0\n";
    expect(manager.extract(text, "requirements.txt").dependencies.map((d) => d.name)).toEqual([
      "transformers",
      "anthropic",
    ]);
  });

  it("returns no dependencies for an empty or comment-only file", () => {
    expect(manager.extract("", "requirements.txt")).toEqual({ dependencies: [] });
    expect(manager.extract("# nothing yet\n\n   \n", "requirements.txt")).toEqual({ dependencies: [] });
  });

  describe("malformed files", () => {
    it("reports conda-style single = with its line and column", () => {
      const err = parseError(fixture("broken/requirements.txt"));
      expect(err.line).toBe(4);
      expect(err.column).toBe(6);
      expect(err.message).toContain("numpy=1.26.0");
    });

    it("reports unknown options", () => {
      const err = parseError(fixture("broken/unknown-option.txt"));
      expect(err.line).toBe(2);
      expect(err.message).toContain("--install-everything");
    });

    it.each([
      ["pip install openai\n", 1],
      ["flask==3.1.0\nthis is not a requirement\n", 2],
      ["openai==1.0 --hash\n", undefined],
      ["openai==1.0 --upgrade\n", 1],
      ["-r\n", 1],
      ["--index-url\n", 1],
      ["-e\n", 1],
      ["openai[=1.0\n", 1],
      ["<html><body>Not Found</body></html>\n", 1],
    ])("rejects %j", (text, line) => {
      const err = parseError(text);
      if (line !== undefined) expect(err.line).toBe(line);
    });

    it("reports the first line of a broken continued requirement", () => {
      const err = parseError("ok==1\nbroken==1.0 \\\n  ; python_version >>> '3'\n");
      expect(err.line).toBe(2);
      expect(err.column).toBeUndefined();
    });

    it("rejects binary content", () => {
      expect(() => manager.extract("PK\u0003\u0004\u0000\u0000", "requirements.txt")).toThrow(ManifestParseError);
    });
  });
});
