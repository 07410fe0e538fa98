import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { compileDetector, type DetectionOptions, type Detector } from "../../src/detect/detect.js";
import { lfsPointerFromPatch, parseLfsPointer } from "../../src/detect/lfs.js";
import { loadDetectionRules } from "../../src/detect/rules.js";
import { parseDvcFile } from "../../src/detect/dvc.js";
import { validateGlob } from "../../src/detect/glob.js";
import type { SystemDefinition } from "../../src/detect/systems.js";
import type { ChangedFile } from "../../src/detect/types.js";

// The shipped default `ignore`, so these tests follow the real defaults.
const defaults = parseYaml(readFileSync(new URL("../../policies/default.yml", import.meta.url), "utf8")) as {
  ignore: string[];
};
const DEFAULT_IGNORE = defaults.ignore;

const rules = loadDetectionRules();

function detector(options: Partial<DetectionOptions> = {}): Detector {
  return compileDetector(rules, { ignore: DEFAULT_IGNORE, systems: [], ...options });
}

const OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
const POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 12345\n`;
const POINTER_PATCH = `@@ -0,0 +1,3 @@\n+version https://git-lfs.github.com/spec/v1\n+oid sha256:${OID}\n+size 12345`;

function file(filename: string, extra: Partial<ChangedFile> = {}): ChangedFile {
  return { filename, status: "added", additions: 1, deletions: 0, patch: "@@ -0,0 +1 @@\n+x", ...extra };
}

describe("loadDetectionRules", () => {
  it("loads the shipped rules once, with every category", () => {
    expect(loadDetectionRules()).toBe(rules);
    const perCategory = new Map<string, number>();
    for (const r of rules) perCategory.set(r.category, (perCategory.get(r.category) ?? 0) + 1);
    expect([...perCategory.keys()].sort()).toEqual(
      ["ai-tooling", "dataset", "governance-policy", "model", "model-metadata", "prompt"].sort(),
    );
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  const dir = mkdtempSync(join(tmpdir(), "aims-rules-"));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const rule = (extra: string) =>
    `version: 1\nsourceExtensions: [ts]\nrules:\n  - id: model.x\n    category: model\n    description: x\n    include: ["**/*.x"]\n${extra}`;

  it.each([
    ["missing file", join(dir, "nope.yml"), /nope\.yml: cannot read detection rules/],
    ["invalid YAML", write("bad.yml", "rules: [\n  - id: x\n"), /bad\.yml:\d+:\d+: invalid YAML/],
    [
      "duplicate id",
      write("dup.yml", rule(`  - id: model.x\n    category: model\n    description: y\n    include: ["**/*.y"]\n`)),
      /dup\.yml:8:\d+: rules\[1\]\.id: duplicate rule id "model\.x"/,
    ],
    ["ambiguous without context", write("amb.yml", rule("    ambiguous: true\n")), /amb\.yml:\d+:\d+: rules\[0\]\.ambiguous: an ambiguous rule needs a context/],
    ["pathological glob", write("glob.yml", rule(`    exclude: ["${"{a,b}".repeat(6)}"]\n`)), /glob\.yml:8:\d+: rules\[0\]\.exclude\[0\]: .*expands to 64 patterns/],
    ["unknown key", write("key.yml", rule("    weight: 3\n")), /key\.yml:\d+:\d+: rules\[0\]: .*weight/],
    ["wrong category prefix", write("pre.yml", rule("").replace("category: model", "category: dataset")), /must start with "dataset\."/],
  ])("rejects a rules file with %s, naming file, line and reason", (_name, path, message) => {
    expect(() => loadDetectionRules(path)).toThrow(message);
  });
});

describe("classification by path", () => {
  const d = detector();
  // [path, category, rule] — category undefined means "not AI surface".
  const table: Array<[string, string | undefined, string?]> = [
    // governance-policy
    [".github/aims.yml", "governance-policy", "governance-policy.aims-config"],
    [".github/aims.yaml", "governance-policy", "governance-policy.aims-config"],
    ["docs/aims.yml", undefined],
    // ai-tooling
    ["AGENTS.md", "ai-tooling", "ai-tooling.agents-md"],
    ["packages/api/AGENTS.md", "ai-tooling", "ai-tooling.agents-md"],
    ["CLAUDE.md", "ai-tooling", "ai-tooling.claude"],
    [".claude/settings.json", "ai-tooling", "ai-tooling.claude"],
    [".claude/commands/review.md", "ai-tooling", "ai-tooling.claude"],
    ["GEMINI.md", "ai-tooling", "ai-tooling.gemini"],
    [".github/copilot-instructions.md", "ai-tooling", "ai-tooling.copilot-instructions"],
    [".github/instructions/ts.instructions.md", "ai-tooling", "ai-tooling.copilot-instructions"],
    [".github/agents/reviewer.agent.md", "ai-tooling", "ai-tooling.custom-agent"],
    [".github/chatmodes/plan.chatmode.md", "ai-tooling", "ai-tooling.custom-agent"],
    [".cursorrules", "ai-tooling", "ai-tooling.cursor"],
    [".cursor/rules/style.mdc", "ai-tooling", "ai-tooling.cursor"],
    [".mcp.json", "ai-tooling", "ai-tooling.mcp"],
    [".vscode/mcp.json", "ai-tooling", "ai-tooling.mcp"],
    [".vscode/settings.json", undefined],
    // prompt
    ["prompts/summarize.prompt.yml", "prompt", "prompt.github-models"],
    ["eval/summarize.prompt.yaml", "prompt", "prompt.github-models"],
    ["src/agents/support.prompty", "prompt", "prompt.prompty"],
    ["prompts/greet.prompt", "prompt", "prompt.dotprompt"],
    [".github/prompts/release-notes.prompt.md", "prompt", "prompt.prompt-file"],
    ["prompts/system.txt", "prompt", "prompt.prompts-dir"],
    ["src/prompts/system.md", "prompt", "prompt.prompts-dir"],
    ["app/prompts/answer.j2", "prompt", "prompt.prompts-dir"],
    ["prompts/templates/answer.hbs", "prompt", "prompt.prompts-dir"],
    ["prompts/README.md", undefined],
    ["src/prompts/index.ts", undefined],
    ["guardrails/flows.co", "prompt", "prompt.nemo-guardrails"],
    ["guardrails/config.yml", "prompt", "prompt.nemo-guardrails-config"],
    ["litellm_config.yaml", "prompt", "prompt.litellm-config"],
    ["config/config.yml", undefined],
    // model
    ["models/llama/model.safetensors", "model", "model.safetensors"],
    ["weights/model-00001-of-00002.safetensors", "model", "model.safetensors"],
    ["models/llama/model.safetensors.index.json", "model", "model.safetensors-index"],
    ["adapters/lora/adapter_model.safetensors", "model", "model.safetensors"],
    ["pytorch_model.bin", "model", "model.pytorch-bin"],
    ["ckpt/pytorch_model-00001-of-00002.bin", "model", "model.pytorch-bin"],
    ["models/tinyllama.Q4_K_M.gguf", "model", "model.gguf"],
    ["whisper/ggml-base.en.bin", "model", "model.gguf"],
    ["ollama/Modelfile", "model", "model.ollama-modelfile"],
    ["resnet.pt", "model", "model.pytorch"],
    ["export/model.pt2", "model", "model.pytorch"],
    ["mobile/model.ptl", "model", "model.pytorch"],
    ["serve/model-store/bert.mar", "model", "model.pytorch"],
    ["lightning_logs/version_0/checkpoints/epoch=3-step=100.ckpt", "model", "model.checkpoint"],
    ["train/model.ckpt-1000.index", "model", "model.checkpoint"],
    ["onnx/encoder.onnx", "model", "model.onnx"],
    ["models/encoder.onnx_data", "model", "model.onnx"],
    ["mobile/model.ort", "model", "model.onnx"],
    ["keras/classifier.keras", "model", "model.keras"],
    ["models/classifier.h5", "model", "model.hdf5"],
    ["export/saved_model.pb", "model", "model.tf-savedmodel"],
    ["export/variables/variables.data-00000-of-00001", "model", "model.tf-savedmodel"],
    ["web/model/group1-shard1of2.bin", "model", "model.tfjs-shard"],
    ["ios/Classifier.mlmodel", "model", "model.coreml"],
    ["ios/Classifier.mlpackage/Data/com.apple.CoreML/weights/weight.bin", "model", "model.coreml"],
    ["ios/Classifier.mlpackage/Manifest.json", "model", "model.coreml"],
    ["sk/model.pkl", "model", "model.pickle"],
    ["models/pipeline.joblib", "model", "model.pickle"],
    ["models/embeddings.npy", "model", "model.bin"],
    ["catboost/model.cbm", "model", "model.catboost"],
    ["scoring/model.pmml", "model", "model.pmml"],
    ["models/lgbm/model.txt", "model", "model.in-model-dir"],
    ["models/xgb/model.json", "model", "model.in-model-dir"],
    ["xgb/booster.ubj", "model", "model.xgboost"],
    ["xgb/booster.bst", "model", "model.xgboost"],
    ["docs/latex/plainnat.bst", undefined],
    ["ov/openvino_model.xml", "model", "model.openvino"],
    ["trt/model.engine", "model", "model.tensorrt"],
    ["paddle/inference.pdmodel", "model", "model.paddle"],
    ["caffe/bvlc.caffemodel", "model", "model.caffe"],
    ["yolo/yolov4.weights", "model", "model.darknet"],
    ["asr/conformer.nemo", "model", "model.nemo"],
    ["mlruns/0/abc/artifacts/model/MLmodel", "model", "model.mlflow"],
    ["models/model.bin", "model", "model.bin"],
    ["firmware/update.bin", undefined],
    ["dvc.yaml", "model", "model.dvc-pipeline"],
    ["pipelines/dvc.lock", "model", "model.dvc-pipeline"],
    ["models/resnet.pt.dvc", "model", "model.dvc"],
    ["artifacts/weights.onnx.dvc", "model", "model.dvc"],
    ["data/raw.dvc", "dataset", "dataset.dvc"],
    [".dvc/config", undefined],
    // model-metadata
    ["models/bert/README.md", "model-metadata", "model-metadata.hf-model-card"],
    ["models/bert/config.json", "model-metadata", "model-metadata.hf-config"],
    ["models/bert/tokenizer_config.json", "model-metadata", "model-metadata.hf-config"],
    ["checkpoints/run1/generation_config.json", "model-metadata", "model-metadata.hf-config"],
    ["MODEL_CARD.md", "model-metadata", "model-metadata.model-card"],
    ["docs/model-card.md", "model-metadata", "model-metadata.model-card"],
    ["cards/bert.modelcard.yaml", "model-metadata", "model-metadata.model-card"],
    ["README.md", undefined],
    ["docs/model.md", undefined],
    ["src/models/README.md", undefined],
    // dataset
    ["data/train.csv", "dataset", "dataset.data-dir"],
    ["datasets/imdb/train/reviews.tsv", "dataset", "dataset.data-dir"],
    ["data/test/labels.csv", "dataset", "dataset.data-dir"],
    ["data/features.h5", "dataset", "dataset.data-dir"],
    ["data/images.xlsx", "dataset", "dataset.data-dir"],
    ["data/raw/records.json", "dataset", "dataset.data-dir-text"],
    ["corpus/wiki.txt", "dataset", "dataset.data-dir-text"],
    ["test/labels.csv", undefined],
    ["tests/unit/data.json", undefined],
    ["src/data/config.json", undefined],
    ["src/data/users.json", undefined],
    ["data/package.json", undefined],
    ["data/requirements.txt", undefined],
    ["lake/events.parquet", "dataset", "dataset.columnar"],
    ["cache/train/data-00000-of-00003.arrow", "dataset", "dataset.columnar"],
    ["warehouse/events/_delta_log/00000000000000000000.json", "dataset", "dataset.table-format"],
    ["shards/train-000001.tar", "dataset", "dataset.webdataset"],
    ["records/train.tfrecord", "dataset", "dataset.tfrecord"],
    ["logs/chat.jsonl", "dataset", "dataset.jsonl"],
    ["evals/qa/cases.jsonl", "dataset", "dataset.eval-set"],
    ["tests/summarize.eval.yaml", "dataset", "dataset.eval-set"],
    ["promptfooconfig.yaml", "dataset", "dataset.eval-set"],
    ["lmdb/data.mdb", "dataset", "dataset.lmdb"],
    ["climate/temps.zarr/.zarray", "dataset", "dataset.arrays"],
    ["climate/sst.nc", "dataset", "dataset.arrays"],
    ["datasets/imdb/dataset_info.json", "dataset", "dataset.metadata"],
    ["croissant.json", "dataset", "dataset.metadata"],
    ["datasets/imdb/README.md", "dataset", "dataset.card"],
    // traps
    ["node_modules/x/model.onnx", undefined],
    ["packages/a/node_modules/x/model.onnx", undefined],
    ["vendor/x/model.pt", undefined],
    ["test/fixtures/data.csv", undefined],
    ["src/__snapshots__/data.json", undefined],
    ["src/model.ts", undefined],
    ["app/models/user.rb", undefined],
    ["models/user.py", undefined],
    ["models/__init__.py", undefined],
    ["data/loader.py", undefined],
    ["src/training/train.py", undefined],
    ["lib/model/index.js", undefined],
    // unicode, spaces and dots are just data
    ["models/modèle français/poids.safetensors", "model", "model.safetensors"],
    ["data/données d'entraînement.csv", "dataset", "dataset.data-dir"],
    ["models/my model (v2).onnx", "model", "model.onnx"],
    ["models/v1..v2/weights.onnx", "model", "model.onnx"],
    ["..hidden/x.onnx", "model", "model.onnx"],
    ["モデル/重み.gguf", "model", "model.gguf"],
  ];

  it("has a table of at least 90 paths", () => {
    expect(table.length).toBeGreaterThanOrEqual(90);
  });

  // Rows padded to three cells: jest 30 never finishes an it.each row with fewer values than placeholders.
  const rows = table.map(([path, category, rule]): [string, string | undefined, string | undefined] => [path, category, rule]);
  it.each(rows)("%s → %s %s", (path, category, rule) => {
    const got = d.classify(path);
    if (category === undefined) expect(got).toBeUndefined();
    else expect(got).toMatchObject({ category, rule });
  });

  it("explains matches in words, naming the context folder", () => {
    expect(d.classify("data/train.csv")?.reason).toBe("CSV under data directory data/");
    expect(d.classify("models/x/model.safetensors")?.reason).toBe("safetensors weights file");
    expect(d.classify("models/bert/config.json")?.reason).toBe("config.json of a model under models/");
    expect(d.classify("models/resnet.pt.dvc")?.reason).toBe("DVC file tracking models/resnet.pt (PyTorch model file)");
    expect(d.classify("data/dump.csv.gz")?.reason).toBe("CSV.GZ under data directory data/");
  });
});

describe("detect", () => {
  it("keeps previousPath and classifies a rename by its new path", () => {
    const [change, ...rest] = detector().detect(
      [file("archive/a.onnx", { status: "renamed", previousFilename: "models/a.onnx", patch: undefined, additions: 0 })],
      new Map(),
    );
    expect(rest).toHaveLength(0);
    expect(change).toMatchObject({ path: "archive/a.onnx", previousPath: "models/a.onnx", category: "model", rule: "model.onnx" });
  });

  it("falls back to the previous path when the new one says nothing", () => {
    const changes = detector().detect(
      [
        file("archive/a.bin", { status: "renamed", previousFilename: "models/a.bin", patch: undefined, additions: 0 }),
        file("vendor/a.onnx", { status: "renamed", previousFilename: "models/b.onnx", patch: undefined, additions: 0 }),
        file("vendor/c.onnx", { status: "renamed", previousFilename: "vendor/old/c.onnx" }),
      ],
      new Map(),
    );
    expect(changes.map((c) => [c.path, c.rule])).toEqual([
      ["archive/a.bin", "model.bin"],
      ["vendor/a.onnx", "model.onnx"],
    ]);
    expect(changes[0]?.reason).toContain("models/a.bin, before the rename");
  });

  it("counts deleted models", () => {
    const changes = detector().detect(
      [file("models/old.onnx", { status: "removed", patch: undefined, additions: 0, deletions: 0 })],
      new Map(),
    );
    expect(changes).toEqual([
      expect.objectContaining({ path: "models/old.onnx", status: "removed", category: "model", gated: true }),
    ]);
  });

  it("reads LFS pointer facts from the patch, and does not classify a pointer by being a pointer", () => {
    const d = detector();
    const files = [
      file("models/a.bin", { additions: 3, patch: POINTER_PATCH }),
      file("assets/blob.bin", { additions: 3, patch: POINTER_PATCH }),
      file("docs/weights.safetensors", { additions: 3, patch: POINTER_PATCH }),
      file("models/b.bin", { additions: 0, patch: undefined }),
    ];
    const changes = d.detect(files, new Map());
    expect(changes.map((c) => [c.path, c.rule, c.lfs])).toEqual([
      ["models/a.bin", "model.bin", { oid: `sha256:${OID}`, size: 12345 }],
      ["docs/weights.safetensors", "model.safetensors", { oid: `sha256:${OID}`, size: 12345 }],
      ["models/b.bin", "model.bin", undefined],
    ]);
    // A real binary (no patch, no line counts) is never downloaded.
    expect(files.map((f) => d.needsContent(f))).toEqual([false, false, false, false]);
  });

  it("reads LFS facts from head contents when the patch is absent", () => {
    const d = detector();
    const f = file("models/c.safetensors", { additions: 3, patch: undefined });
    expect(d.needsContent(f)).toBe(true);
    expect(d.needsContent(file("assets/c.bin", { additions: 3, patch: undefined }))).toBe(false);
    expect(d.needsContent(file("node_modules/c.onnx", { additions: 3, patch: undefined }))).toBe(false);
    const [change] = d.detect([f], new Map([["models/c.safetensors", POINTER]]));
    expect(change?.lfs).toEqual({ oid: `sha256:${OID}`, size: 12345 });
  });

  it("records the deleted pointer from the base side of a removal patch", () => {
    const patch = POINTER_PATCH.replace("@@ -0,0 +1,3 @@", "@@ -1,3 +0,0 @@").replaceAll("\n+", "\n-");
    const [change] = detector().detect([file("models/gone.gguf", { status: "removed", additions: 0, deletions: 3, patch })], new Map());
    expect(change).toMatchObject({ status: "removed", rule: "model.gguf", lfs: { oid: `sha256:${OID}`, size: 12345 } });
  });

  describe("DVC files", () => {
    const dvcModel = "outs:\n- md5: 0123456789abcdef0123456789abcdef\n  size: 102400\n  hash: md5\n  path: resnet.pt\n";
    const dvcData = "outs:\n- md5: 00112233445566778899aabbccddeeff.dir\n  size: 5\n  nfiles: 2\n  path: corpus.parquet\n  remote: s3\n";

    it("needs the head content unless the patch is the whole file", () => {
      const d = detector();
      expect(d.needsContent(file("artifacts/weights.dvc", { status: "modified", patch: "@@ -2 +2 @@\n-a\n+b" }))).toBe(true);
      expect(d.needsContent(file("artifacts/weights.dvc", { status: "added" }))).toBe(false);
      expect(d.needsContent(file("artifacts/weights.dvc", { status: "removed" }))).toBe(false);
    });

    it("classifies by the outputs it records", () => {
      const changes = detector().detect(
        [
          file("artifacts/weights.dvc", { status: "modified", patch: undefined }),
          file("snapshots/dump.dvc", { status: "modified", patch: undefined }),
          file("misc/thing.dvc", { status: "modified", patch: undefined }),
        ],
        new Map([
          ["artifacts/weights.dvc", dvcModel],
          ["snapshots/dump.dvc", dvcData],
          ["misc/thing.dvc", "outs:\n- path: notes\n"],
        ]),
      );
      expect(changes.map((c) => [c.path, c.category, c.rule])).toEqual([
        ["artifacts/weights.dvc", "model", "model.dvc"],
        ["snapshots/dump.dvc", "dataset", "dataset.dvc"],
        ["misc/thing.dvc", "dataset", "dataset.dvc"],
      ]);
      expect(changes[0]?.reason).toBe("DVC file tracking artifacts/resnet.pt (PyTorch model file)");
      expect(changes[0]?.dvc).toEqual([
        { path: "resnet.pt", md5: "0123456789abcdef0123456789abcdef", size: 102400, hash: "md5" },
      ]);
      expect(changes[1]?.dvc?.[0]).toMatchObject({ path: "corpus.parquet", remote: "s3", size: 5 });
    });

    it("reads an added file from its patch", () => {
      const patch = `@@ -0,0 +1,5 @@\n${dvcModel.trimEnd().split("\n").map((l) => `+${l}`).join("\n")}`;
      const [change] = detector().detect([file("x/weights.dvc", { patch })], new Map());
      expect(change).toMatchObject({ rule: "model.dvc", dvc: [{ path: "resnet.pt" }] });
    });

    it("keeps an unreadable DVC file as a change and says why", () => {
      const [change] = detector().detect(
        [file("data/broken.dvc", { status: "modified", patch: undefined })],
        new Map([["data/broken.dvc", "outs: [\n"]]),
      );
      expect(change).toMatchObject({ category: "dataset", rule: "dataset.dvc" });
      expect(change?.reason).toMatch(/invalid DVC file/);
      expect(change?.dvc).toBeUndefined();
    });
  });

  it("uses sibling files of the pull request as context", () => {
    const d = detector();
    const changes = d.detect(
      [file("release/config.json"), file("release/model.safetensors"), file("web/model.json"), file("web/group1-shard1of1.bin")],
      new Map(),
    );
    expect(changes.map((c) => [c.path, c.rule])).toEqual([
      ["release/config.json", "model-metadata.hf-config"],
      ["release/model.safetensors", "model.safetensors"],
      ["web/model.json", "model.tfjs"],
      ["web/group1-shard1of1.bin", "model.tfjs-shard"],
    ]);
    expect(changes[0]?.reason).toBe("config.json of a model under release/ (next to model.safetensors)");
    // Path alone is not enough.
    expect(d.classify("release/config.json")).toBeUndefined();
  });

  describe(".gitattributes", () => {
    const attrs = (...lines: string[]) => file(".gitattributes", { status: "modified", patch: `@@ -1,2 +1,3 @@\n *.png binary\n${lines.join("\n")}` });

    it("is a model change when it sends a model extension to Git LFS", () => {
      const [change] = detector().detect(
        [attrs("+*.safetensors filter=lfs diff=lfs merge=lfs -text", "+*.onnx filter=lfs diff=lfs merge=lfs -text", "+*.zip filter=lfs")],
        new Map(),
      );
      expect(change).toMatchObject({ category: "model", rule: "lfs.gitattributes", gated: true });
      expect(change?.reason).toBe("Git LFS tracking added for model files *.safetensors, *.onnx");
    });

    it("is a dataset change for data extensions and nothing for others", () => {
      const d = detector();
      expect(d.detect([attrs("+*.parquet filter=lfs diff=lfs merge=lfs -text")], new Map())[0]).toMatchObject({
        category: "dataset",
        rule: "lfs.gitattributes",
      });
      expect(d.detect([attrs("+*.bin filter=lfs diff=lfs merge=lfs -text", "+*.psd filter=lfs")], new Map())).toEqual([]);
      expect(d.detect([attrs("-*.onnx filter=lfs diff=lfs merge=lfs -text")], new Map())).toEqual([]);
      expect(d.detect([attrs("+*.onnx -text")], new Map())).toEqual([]);
    });
  });

  it("gates everything but ai-tooling by default, and follows the gated list", () => {
    const files = [file(".github/aims.yml"), file("AGENTS.md"), file("prompts/a.prompt.yml")];
    expect(detector().detect(files, new Map()).map((c) => [c.category, c.gated])).toEqual([
      ["governance-policy", true],
      ["ai-tooling", false],
      ["prompt", true],
    ]);
    expect(detector({ gated: ["ai-tooling"] }).detect(files, new Map()).map((c) => c.gated)).toEqual([false, true, false]);
  });

  it("classifies 3000 files with one compiled detector", () => {
    const d = detector();
    const files: ChangedFile[] = [];
    for (let i = 0; i < 3000; i++) {
      const kind = i % 6;
      const name =
        kind === 0 ? `models/m${i}/model.safetensors`
        : kind === 1 ? `data/part-${i}.csv`
        : kind === 2 ? `src/module${i}/index.ts`
        : kind === 3 ? `node_modules/pkg${i}/model.onnx`
        : kind === 4 ? `prompts/p${i}.prompt.yml`
        : `docs/page${i}.md`;
      files.push(file(name));
    }
    expect(d.detect(files, new Map())).toHaveLength(1500);
  });
});

describe("systems", () => {
  const systems: SystemDefinition[] = [
    { id: "platform", name: "Platform", paths: ["models/**"], risk: "minimal" },
    { id: "chatbot", name: "Chatbot", paths: ["models/chatbot/**", "prompts/chatbot"], risk: "limited" },
    { id: "chatbot-v2", name: "Chatbot v2", paths: ["models/chatbot/**"], risk: "limited" },
    { id: "anywhere", name: "Anywhere", paths: ["**/*.gguf"], risk: "high", owner: "@org/ml" },
  ];
  const d = detector({ systems });

  it.each([
    ["models/chatbot/a.onnx", "chatbot"], // more specific than models/**, first of two equals
    ["models/other/a.onnx", "platform"],
    ["models/chatbot/q.gguf", "chatbot"],
    ["edge/q.gguf", "anywhere"],
    ["prompts/chatbot/system.txt", "chatbot"], // a folder path covers its contents
    ["data/train.csv", "unregistered"],
  ])("%s belongs to %s", (path, id) => {
    expect(d.systemFor(path)).toBe(id);
  });

  it("records the system on each change, falling back to the previous path", () => {
    const changes = d.detect(
      [file("models/chatbot/a.onnx"), file("archive/a.onnx", { status: "renamed", previousFilename: "models/chatbot/b.onnx" })],
      new Map(),
    );
    expect(changes.map((c) => c.system)).toEqual(["chatbot", "chatbot"]);
  });
});

describe("repository extras", () => {
  it("adds include rules before the built-in ones, with config ids", () => {
    const d = detector({
      extra: {
        model: { include: ["ml/artifacts"] },
        dataset: { include: ["golden/**/*.txt", "models/eval-sets/**"] },
      },
    });
    expect(d.classify("ml/artifacts/encoder.custom")).toMatchObject({ category: "model", rule: "config.model.1" });
    expect(d.classify("golden/a/b.txt")).toMatchObject({ category: "dataset", rule: "config.dataset.1" });
    expect(d.classify("models/eval-sets/x.npy")).toMatchObject({ category: "dataset", rule: "config.dataset.2" });
    expect(d.classify("models/eval-sets/x.npy")?.reason).toContain("detect.dataset.include");
    expect(d.classify("node_modules/ml/artifacts/x")).toBeUndefined();
  });

  it("ignores a category for some paths and lets other categories match", () => {
    const d = detector({ extra: { dataset: { ignore: ["data/samples"] }, "ai-tooling": { ignore: ["**/AGENTS.md"] } } });
    expect(d.classify("data/samples/x.csv")).toBeUndefined();
    expect(d.classify("data/samples/model.onnx")).toMatchObject({ category: "model" });
    expect(d.classify("data/other/x.csv")).toMatchObject({ category: "dataset" });
    expect(d.classify("AGENTS.md")).toBeUndefined();
  });

  it("honours the global ignore list", () => {
    const d = detector({ ignore: ["third_party/**", "experiments"] });
    expect(d.classify("third_party/m.onnx")).toBeUndefined();
    expect(d.classify("experiments/run1/m.onnx")).toBeUndefined();
    expect(d.classify("node_modules/m.onnx")).toMatchObject({ category: "model" });
  });

  it("rejects pathological globs, naming the config key", () => {
    expect(() => detector({ ignore: ["a/**", "{a,b}".repeat(5)] })).toThrow(/^ignore\[1\]: .*expands to 32 patterns/);
    expect(() => detector({ extra: { prompt: { include: ["x".repeat(600)] } } })).toThrow(/^detect\.prompt\.include\[0\]: .*600 characters/);
    expect(() => detector({ systems: [{ id: "s", name: "S", paths: ["!models/**"], risk: "high" }] })).toThrow(
      /^systems\[0\]\.paths\[0\]: .*negation/,
    );
  });
});

describe("parseLfsPointer", () => {
  it.each([
    ["a pointer", POINTER],
    ["a legacy hawser pointer", POINTER.replace("git-lfs.github.com", "hawser.github.com")],
    ["a pointer without the final newline", POINTER.trimEnd()],
    ["a CRLF checkout", POINTER.replaceAll("\n", "\r\n")],
    ["a pointer with extension keys", POINTER.replace("oid", "ext-0-foo sha256:abc\noid")],
  ])("reads %s", (_name, text) => {
    expect(parseLfsPointer(text)).toEqual({ oid: `sha256:${OID}`, size: 12345 });
  });

  it.each([
    ["empty text", ""],
    ["another version", POINTER.replace("spec/v1", "spec/v2")],
    ["version not first", `oid sha256:${OID}\nversion https://git-lfs.github.com/spec/v1\nsize 1\n`],
    ["no size", POINTER.replace("size 12345\n", "")],
    ["a size that is not a number", POINTER.replace("12345", "12kb")],
    ["a short oid", POINTER.replace(OID, OID.slice(1))],
    ["an upper-case oid", POINTER.replace(OID, OID.toUpperCase())],
    ["a sha1 oid", POINTER.replace("sha256", "sha1")],
    ["a duplicate key", `${POINTER}size 1\n`],
    ["a line after size that breaks the key order", `${POINTER}not a key line\n`],
    ["keys out of order", `version https://git-lfs.github.com/spec/v1\nsize 12345\noid sha256:${OID}\n`],
    ["text of 1024 bytes or more", `${POINTER}${"x-pad " + "a".repeat(1024)}\n`],
    ["a CSV file", "a,b,c\n1,2,3\n"],
  ])("refuses %s", (_name, text) => {
    expect(parseLfsPointer(text)).toBeUndefined();
  });
});

describe("lfsPointerFromPatch", () => {
  const pointer = { oid: `sha256:${OID}`, size: 12345 };

  it("reads the head side of an added pointer", () => {
    expect(lfsPointerFromPatch(POINTER_PATCH)).toEqual(pointer);
    expect(lfsPointerFromPatch(`${POINTER_PATCH}\n\\ No newline at end of file`)).toEqual(pointer);
  });

  it("reads the head side of a changed pointer", () => {
    const patch = [
      "@@ -1,3 +1,3 @@",
      " version https://git-lfs.github.com/spec/v1",
      `-oid sha256:${"0".repeat(64)}`,
      "-size 1",
      `+oid sha256:${OID}`,
      "+size 12345",
    ].join("\n");
    expect(lfsPointerFromPatch(patch)).toEqual(pointer);
    expect(lfsPointerFromPatch(patch, "base")).toEqual({ oid: `sha256:${"0".repeat(64)}`, size: 1 });
  });

  it.each([
    ["a deletion, on the head side", POINTER_PATCH.replace("@@ -0,0 +1,3 @@", "@@ -1,3 +0,0 @@").replaceAll("\n+", "\n-")],
    ["a hunk that does not start at the top", POINTER_PATCH.replace("+1,3", "+7,3")],
    ["an ordinary text patch", "@@ -0,0 +1,2 @@\n+hello\n+world"],
    ["an empty patch", ""],
  ])("gives nothing for %s", (_name, patch) => {
    expect(lfsPointerFromPatch(patch)).toBeUndefined();
  });
});

describe("parseDvcFile", () => {
  it("reads outs with md5, hash, size and remote", () => {
    const text = [
      "outs:",
      "- md5: 0011223344556677889900112233445",
      "  size: 2048",
      "  hash: md5",
      "  path: model.onnx",
      "  remote: storage",
      "- md5: a304afb96060aad90176268345e10355.dir",
      "  nfiles: 3",
      "  path: images",
      "  cache: false",
    ].join("\n");
    expect(parseDvcFile(text)).toEqual([
      { path: "model.onnx", md5: "0011223344556677889900112233445", hash: "md5", size: 2048, remote: "storage" },
      { path: "images", md5: "a304afb96060aad90176268345e10355.dir" },
    ]);
  });

  it("accepts an import file with deps", () => {
    const text = "md5: abc\nfrozen: true\ndeps:\n- path: data/x\n  repo:\n    url: https://example.com/r\nouts:\n- path: x\n";
    expect(parseDvcFile(text)).toEqual([{ path: "x" }]);
  });

  it.each([
    ["invalid YAML", "outs: [\n", /invalid DVC file: not valid YAML/],
    ["an empty file", "", /invalid DVC file: it is empty/],
    ["no outs", "deps:\n- path: x\n", /invalid DVC file: outs: a DVC file lists its outputs under `outs`/],
    ["an out without path", "outs:\n- md5: abc\n", /invalid DVC file: outs\[0\]\.path/],
    ["a negative size", "outs:\n- path: x\n  size: -1\n", /invalid DVC file: outs\[0\]\.size/],
    ["a list at the top", "- a\n- b\n", /invalid DVC file/],
  ])("throws a clear error for %s", (_name, text, message) => {
    expect(() => parseDvcFile(text)).toThrow(message);
  });
});

describe("validateGlob", () => {
  it.each([
    "**/*.onnx",
    "models/**",
    "**/*.{a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t}",
    "**/{a,b}/{c,d}/**/*.{e,f,g,h,i}",
    "\\{a,b}".repeat(30),
    "{".repeat(400),
    "{}{}{}{}",
  ])("accepts %s", (pattern) => {
    expect(validateGlob(pattern)).toBeUndefined();
  });

  it.each([
    ["", /cannot be empty/],
    ["a".repeat(513), /513 characters long; the limit is 512/],
    ["**/".repeat(21) + "x", /has 21 "\*\*"; the limit is 20/],
    ["{a,b}".repeat(5), /expands to 32 patterns/],
    ["{a,b}".repeat(60), /expands to more than 1000000 patterns/],
    ["x{1..100000}", /expands to 100000 patterns/],
    ["{a..z}", /expands to 26 patterns/],
    ["{a,{b,{c,d}}}{1,2,3,4,5,6,7}", /expands to 28 patterns/],
    ["!models/**", /negation is not supported/],
  ])("refuses %s", (pattern, message) => {
    expect(validateGlob(pattern)).toMatch(message);
  });
});
