import { uncell } from "../../src/util/markdown.js";
import { describe, expect, it } from "@jest/globals";
import {
  canonicalJson,
  fitRecord,
  hashMatches,
  markerId,
  MAX_BODY_CHARS,
  parseRecordBody,
  parseRecordId,
  recordHash,
  recordId,
  recordLabels,
  renderRecordBody,
  sealRecord,
  type EvidenceChange,
} from "../../src/evidence/record.js";
import { sampleRecord, sealedRecord } from "../support/evidence.js";

describe("canonical JSON", () => {
  it("sorts keys at every depth, drops undefined and has no whitespace", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
  });

  it("gives the same text whatever order keys were built in", () => {
    const a = { x: 1, y: { p: "q", r: [3, 2] } };
    const b = { y: { r: [3, 2], p: "q" }, x: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it("escapes strings as JSON does and keeps array order", () => {
    expect(canonicalJson(["é\n\"", 2, 1])).toBe('["é\\n\\"",2,1]');
  });

  it("refuses values JSON cannot hold", () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

describe("hashing and sealing", () => {
  it("hashes the canonical JSON without the hash member (a known vector)", () => {
    const r = sampleRecord();
    // Independent of key order and of the hash field.
    const shuffled = Object.fromEntries(Object.entries(r).reverse()) as typeof r;
    expect(recordHash(shuffled)).toBe(recordHash(r));
    expect(recordHash({ ...r, hash: "f".repeat(64) })).toBe(recordHash(r));
    expect(recordHash(r)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("changes the hash when any content changes, including prev and seq", () => {
    const sealed = sealedRecord(5, { prev: null, seq: 1 });
    expect(hashMatches(sealed)).toBe(true);
    expect(hashMatches({ ...sealed, pullRequest: { ...sealed.pullRequest, title: "edited" } })).toBe(false);
    expect(hashMatches({ ...sealed, prev: "0".repeat(64) })).toBe(false);
    expect(hashMatches({ ...sealed, seq: 2 })).toBe(false);
    expect(hashMatches({ ...sealed, controls: [] })).toBe(false);
  });

  it("seals only finalised records", () => {
    expect(() => sealRecord(sampleRecord(), { prev: null, seq: 1 })).toThrow(/only finalised/);
  });
});

describe("record ids and marker", () => {
  it("is deterministic per pull request and round", () => {
    expect(recordId("acme/app", 12)).toBe("acme/app#12");
    expect(recordId("acme/app", 12, 2)).toBe("acme/app#12~2");
    expect(parseRecordId("acme/app#12~2")).toEqual({ repository: "acme/app", number: 12, round: 2 });
    expect(parseRecordId("acme/app#x")).toBeUndefined();
  });

  it("puts the hidden marker on the first line", () => {
    const body = renderRecordBody(sampleRecord());
    expect(body.split("\n")[0]).toBe("<!-- aims:evidence-record acme/app#12 -->");
    expect(markerId(body)).toBe("acme/app#12");
    expect(markerId("Some issue mentioning aims:evidence-record acme/app#12")).toBeUndefined();
  });
});

describe("body render and parse", () => {
  it("round-trips open and sealed records", () => {
    for (const record of [sampleRecord(), sealedRecord(7, { prev: "e".repeat(64), seq: 9 })]) {
      const parsed = parseRecordBody(renderRecordBody(record));
      expect(parsed).toEqual({ ok: true, id: record.id, record });
    }
  });

  it("renders a readable summary with the controls and facts", () => {
    const body = renderRecordBody(sealedRecord(7, { prev: null, seq: 1 }), (id) => (id === "A.7.5" ? "Data provenance" : undefined));
    expect(body).toContain("| State | **merged** |");
    expect(body).toContain("- **A.7.5** Data provenance: data/train.parquet.dvc records md5");
    expect(uncell(body)).toContain("| `data/train.parquet.dvc` | dataset | recommender | DVC md5 3f2a9c0d1e2f… remote s3://acme-data |");
    expect(body).toContain("previous none (first record)");
  });

  it("keeps the changes table intact when a file name has a pipe", () => {
    const { dvc: _dvc, ...dataset } = sampleRecord().changes.items[0]!;
    const item = { ...dataset, path: "models/a|b.pt", category: "model" as const, rule: "model.pytorch" };
    const body = renderRecordBody(sampleRecord(12, { changes: { total: 1, byCategory: { model: 1 }, items: [item] } }));
    const row = body.split("\n").find((l) => l.includes("models/a"))!;
    // Four cells: an unescaped pipe would make five and shift category, system and fact.
    expect(row.split(/(?<!\\)\|/).slice(1, -1)).toHaveLength(4);
    expect(row).toContain("`models/a\\|b.pt` | model | recommender |");
  });

  it("escapes bidirectional controls, line breaks and HTML in the summary with the same helper as the check", () => {
    const { dvc: _dvc, ...dataset } = sampleRecord().changes.items[0]!;
    const items = [
      { ...dataset, path: "models/evil\u202Egpj.onnx", category: "model" as const, rule: "model.onnx" },
      { ...dataset, path: "models/line\nbreak.gguf", category: "model" as const, rule: "model.gguf" },
    ];
    const record = sampleRecord(12, { changes: { total: 2, byCategory: { model: 2 }, items } });
    const body = renderRecordBody({ ...record, pullRequest: { ...record.pullRequest, title: "Swap <img src=x> model \u202Eexe" } });
    const summary = body.slice(0, body.indexOf("<details>"));
    expect(summary).toContain("| `models/evil\\u202Egpj.onnx` | model |");
    expect(summary).toContain("| `models/line\\nbreak.gguf` | model |");
    expect(summary).toContain("Swap &lt;img src=x> model \\\\u202Eexe");
    expect(summary).not.toMatch(/[\u202E]/);
    expect(parseRecordBody(body)).toMatchObject({ ok: true });
  });

  it("reports bodies that are not valid records", () => {
    expect(parseRecordBody("hello")).toEqual({ ok: false, problem: "no aims evidence marker on the first line" });
    const body = renderRecordBody(sampleRecord());
    expect(parseRecordBody(body.replace("```json", "```text"))).toMatchObject({ ok: false, problem: "no JSON block" });
    expect(parseRecordBody(body.replace('"schemaVersion": 1', '"schemaVersion": 9'))).toMatchObject({ ok: false, problem: expect.stringContaining("schemaVersion") });
    expect(parseRecordBody(body.replace('"state": "open"', '"state": "open",'))).toMatchObject({ ok: false, problem: expect.stringContaining("does not parse") });
    expect(parseRecordBody(body.replace("<!-- aims:evidence-record acme/app#12 -->", "<!-- aims:evidence-record acme/app#13 -->"))).toMatchObject({
      ok: false,
      problem: "marker names acme/app#13 but the JSON block is record acme/app#12",
    });
  });
});

describe("labels", () => {
  it("names controls, systems, risk and state within GitHub's limits", () => {
    const labels = recordLabels({ ...sampleRecord(), systems: [{ id: "x".repeat(50), risk: "high" }] }, () => "Data provenance");
    expect(labels.map((l) => l.name)).toEqual(["aims:evidence", "annex-a:A.7.5", `ai-system:${"x".repeat(39)}…`, "risk:high", "state:open"]);
    for (const l of labels) {
      expect(l.name.length).toBeLessThanOrEqual(50);
      expect(l.description.length).toBeLessThanOrEqual(100);
      expect(l.color).toMatch(/^[0-9a-f]{6}$/);
    }
  });
});

describe("override while open", () => {
  const override = { login: "gov", at: "2026-06-01T11:00:00Z", sha: "a".repeat(40), reason: "Incident INC-42: roll the ranker back now." };

  it("labels every record with an override aims:override, keeping state: for the record's life", () => {
    const open = recordLabels({ ...sampleRecord(), override }).map((l) => l.name);
    expect(open).toContain("state:open");
    expect(open).toContain("aims:override");
    const merged = recordLabels({ ...sampleRecord(), override, state: "overridden" }).map((l) => l.name);
    expect(merged.filter((l) => l.startsWith("state:") || l === "aims:override")).toEqual(["state:overridden", "aims:override"]);
    expect(recordLabels(sampleRecord()).map((l) => l.name)).not.toContain("aims:override");
  });

  it("says in the summary's state row that the gates of an open pull request were overridden", () => {
    const body = renderRecordBody({ ...sampleRecord(), override });
    expect(body).toContain("| State | **open**, gates overridden by @gov (updated as the gates change) |");
  });
});

describe("bounds", () => {
  it("keeps a record of 3000 changed files under the body limit, with counts", () => {
    const items: EvidenceChange[] = Array.from({ length: 3000 }, (_, i) => ({
      path: `data/shards/part-${String(i).padStart(5, "0")}-of-03000-with-a-rather-long-name.parquet`,
      status: "added",
      category: "dataset",
      system: "recommender",
      rule: "dataset.columnar",
      gated: true,
      lfs: { oid: "d".repeat(64), size: 123456789 },
    }));
    const big = sampleRecord(12, { changes: { total: 3000, byCategory: { dataset: 3000 }, items } });
    expect(renderRecordBody(big).length).toBeGreaterThan(65_536);
    const fitted = fitRecord(big);
    const body = renderRecordBody(fitted);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_CHARS);
    expect(fitted.changes.total).toBe(3000);
    expect(fitted.changes.items.length).toBeGreaterThan(30);
    expect(fitted.changes.items.length).toBeLessThan(3000);
    expect(body).toContain(`…and 2970 more (${fitted.changes.items.length} in the JSON below); the pull request lists every file.`);
    expect(parseRecordBody(body)).toMatchObject({ ok: true });
    // Deterministic: fitting twice gives the same record.
    expect(fitRecord(big)).toEqual(fitted);
  });

  it("leaves records that fit untouched", () => {
    const r = sampleRecord();
    expect(fitRecord(r)).toBe(r);
  });
});
