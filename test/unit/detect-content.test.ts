import { describe, expect, it } from "@jest/globals";
import { cardKind, isModelConfig } from "../../src/detect/content.js";
import { compileDetector, reportLoneDataText } from "../../src/detect/detect.js";
import { loadDetectionRules } from "../../src/detect/rules.js";
import type { ChangedFile } from "../../src/detect/types.js";

const detector = compileDetector(loadDetectionRules(), { ignore: [], systems: [] });
const added = (filename: string, patch?: string): ChangedFile => ({ filename, status: "added", additions: 3, deletions: 0, ...(patch ? { patch } : {}) });

describe("content-aware metadata", () => {
  it("recognises a Hugging Face model card by its front matter wherever it sits", () => {
    const patch = "@@ -0,0 +1,6 @@\n+---\n+license: apache-2.0\n+base_model: bert-base-uncased\n+pipeline_tag: text-classification\n+---\n+# Review classifier";
    const [change] = detector.detect([added("docs/review-classifier.md", patch)], new Map());
    expect(change).toMatchObject({ category: "model-metadata", rule: "model-metadata.card-front-matter", gated: true });
    expect(change!.reason).toContain("base_model, pipeline_tag");
  });

  it("recognises a dataset card, and ignores front matter of ordinary pages", () => {
    expect(cardKind("@@ -0,0 +1,4 @@\n+---\n+task_categories: [text-classification]\n+size_categories: [1K<n<10K]\n+---")?.kind).toBe("dataset");
    expect(cardKind("@@ -0,0 +1,4 @@\n+---\n+title: Release notes\n+layout: post\n+---")).toBeUndefined();
    expect(cardKind("@@ -10,2 +10,2 @@\n----\n+pipeline_tag: x")).toBeUndefined();
  });

  it("recognises config.json of a model by content, and tokenizer files beside .pt weights", () => {
    expect(isModelConfig("release/config.json", '@@ -0,0 +1,3 @@\n+{\n+  "architectures": ["BertModel"],\n+  "model_type": "bert"')).toBe(true);
    expect(isModelConfig("web/config.json", '@@ -0,0 +1,2 @@\n+{\n+  "port": 8080')).toBe(false);
    const changes = detector.detect([added("release/weights.pt"), added("release/tokenizer.json", "@@ -0,0 +1 @@\n+{}"), added("release/tokenizer_config.json", "@@ -0,0 +1 @@\n+{}")], new Map());
    expect(changes.map((c) => c.rule)).toEqual(expect.arrayContaining(["model-metadata.hf-config"]));
    expect(changes.find((c) => c.path === "release/tokenizer_config.json")?.reason).toContain("next to weights.pt");
  });
});

describe("data folders of a web site", () => {
  const site = [added("data/authors.json", "@@ -0,0 +1 @@\n+[]"), added("data/menu.json", "@@ -0,0 +1 @@\n+{}")];

  it("report JSON under data/ without gating when nothing else touches the AI surface", () => {
    const changes = reportLoneDataText(detector.detect(site, new Map()));
    expect(changes).toHaveLength(2);
    expect(changes.every((c) => !c.gated && c.reason.includes("reported only"))).toBe(true);
  });

  it("gate it together with another AI change", () => {
    const changes = reportLoneDataText(detector.detect([...site, added("models/classifier.onnx")], new Map()));
    expect(changes.filter((c) => c.gated)).toHaveLength(3);
  });
});

describe("DVC provenance", () => {
  it("reports where an imported dataset came from: repository, path and locked revision", () => {
    const dvc = [
      "deps:",
      "- path: data/reviews.csv",
      "  repo:",
      "    url: https://github.com/acme/datasets",
      "    rev_lock: 3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c",
      "outs:",
      "- md5: 0a1b2c3d4e5f60718293a4b5c6d7e8f9",
      "  size: 1048576",
      "  path: reviews.csv",
    ];
    const patch = `@@ -0,0 +1,${dvc.length} @@\n${dvc.map((l) => `+${l}`).join("\n")}`;
    const [change] = detector.detect([added("data/reviews.csv.dvc", patch)], new Map());
    expect(change!.dvcSource).toEqual({ url: "https://github.com/acme/datasets", revLock: "3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c", path: "data/reviews.csv" });
    expect(change!.reason).toContain("imported from https://github.com/acme/datasets (data/reviews.csv) at 3f2a1b4c5d6e7f8091a2b3c4d5e6f708192a3b4c");
  });
});
