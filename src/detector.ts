import type { Policy } from "./config/policy.js";
import { compileDetector, type DetectionOptions, type Detector } from "./detect/detect.js";
import { loadDetectionRules } from "./detect/rules.js";
import type { BoundedMap } from "./util/bounded-map.js";

/**
 * A policy's detector: the built-in detection rules compiled with the policy's detection settings.
 * Apart from the pipeline so that the inventory scan and the deployment gate compile the same
 * detector without depending on the pipeline.
 */

function detectionOptions(policy: Policy): DetectionOptions {
  const { detect } = policy;
  return {
    ignore: policy.ignore,
    systems: policy.systems,
    gated: detect.gate,
    extra: {
      model: detect.model,
      "model-metadata": detect["model-metadata"],
      dataset: detect.dataset,
      prompt: detect.prompt,
      "ai-tooling": detect["ai-tooling"],
    },
  };
}

export function createDetector(policy: Policy): Detector {
  return compileDetector(loadDetectionRules(), detectionOptions(policy));
}

/**
 * The policy's detector, compiled once per policy version: rules and globs are compiled on the
 * first event that uses a policy and kept in `cache`, keyed by everything detection reads from it.
 */
export function cachedDetector(cache: BoundedMap<Detector> | undefined, policy: Policy): Detector {
  if (!cache) return createDetector(policy);
  const options = detectionOptions(policy);
  const key = JSON.stringify(options);
  const kept = cache.get(key);
  if (kept) return kept;
  const detector = compileDetector(loadDetectionRules(), options);
  cache.set(key, detector);
  return detector;
}
