import { addedLines } from "./patch.js";
import type { Match } from "./paths.js";
import type { DetectionRule } from "./rules.js";

/** `.gitattributes`: a pull request that sends model or dataset files to Git LFS changes the AI surface. */

export const LFS_GITATTRIBUTES_RULE = "lfs.gitattributes";

/** `.gitattributes` lines added by the patch that send model or dataset files to Git LFS. */
export function matchGitattributes(patch: string, matchPath: (path: string) => Match | undefined): Match | undefined {
  const found: Record<"model" | "dataset", string[]> = { model: [], dataset: [] };
  for (const line of addedLines(patch)) {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    if (!pattern || pattern.startsWith("#") || !attributes.includes("filter=lfs")) continue;
    const m = matchPath(sampleForAttributePattern(pattern));
    const category = m?.rule.category;
    if (m && (category === "model" || category === "dataset")) {
      found[category].push(pattern);
    }
  }
  const category = found.model.length ? "model" : found.dataset.length ? "dataset" : undefined;
  if (!category) return undefined;
  const rule: DetectionRule = {
    id: LFS_GITATTRIBUTES_RULE,
    category,
    description: "Git LFS tracking added for model or dataset files",
    include: ["**/.gitattributes"],
  };
  const what = category === "model" ? "model" : "dataset";
  return { rule, reason: `Git LFS tracking added for ${what} files ${found[category].join(", ")}` };
}

/**
 * A file name that a `.gitattributes` pattern describes, e.g. `*.safetensors` → `x.safetensors`,
 * so the pattern can be judged by the same rules as a file. Patterns without a slash match at any
 * depth in Git, and so does the sample.
 */
function sampleForAttributePattern(pattern: string): string {
  return pattern
    .replace(/^\/+/, "")
    .replace(/\[[^\]]*\]/g, (cls) => {
      const first = cls.replace(/^\[!?\^?/, "")[0];
      return first && first !== "]" ? first : "x";
    })
    .replace(/\*\*/g, "x")
    .replace(/[*?]/g, "x")
    .replace(/\\(.)/g, "$1");
}

