import { describe, expect, it } from "@jest/globals";
import { builtInDefaults, resolvePolicy } from "../../src/config/policy.js";
import type { Detector } from "../../src/detect/detect.js";
import type { ChangedFile } from "../../src/detect/types.js";
import { cachedDetector } from "../../src/detector.js";
import { BoundedMap } from "../../src/util/bounded-map.js";

const model: ChangedFile = { filename: "models/ranker.onnx", status: "added", additions: 0, deletions: 0 };
const withIgnore = (ignore: string[]) => ({ ...resolvePolicy(builtInDefaults(), []), ignore });

describe("detection rules compiled once per policy", () => {
  it("reuses the compiled detector for the same detection settings", () => {
    const cache = new BoundedMap<Detector>(8);
    expect(cachedDetector(cache, withIgnore([]))).toBe(cachedDetector(cache, withIgnore([])));
  });

  it("never serves a detector compiled for other settings: a changed policy judges by its own rules", () => {
    const cache = new BoundedMap<Detector>(8);
    const ignoring = cachedDetector(cache, withIgnore(["models/**"]));
    const plain = cachedDetector(cache, withIgnore([]));
    expect(ignoring).not.toBe(plain);
    expect(ignoring.detect([model], new Map())).toEqual([]);
    expect(plain.detect([model], new Map()).map((c) => c.path)).toEqual(["models/ranker.onnx"]);
    // And the other way round, after both are cached.
    expect(cachedDetector(cache, withIgnore(["models/**"])).detect([model], new Map())).toEqual([]);
  });
});
