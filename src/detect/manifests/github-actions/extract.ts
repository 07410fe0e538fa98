/**
 * GitHub Actions references (yaml): `uses:` of workflow steps, reusable-workflow jobs
 * (`jobs.<id>.uses`), composite-action steps (`runs.steps`) and Docker container actions
 * (`runs.image: docker://...`).
 *
 * - `owner/repo@ref` and `owner/repo/path@ref` → name without `@ref`, version = ref.
 * - `./local` actions and workflows are part of the repository itself and are skipped.
 * - `docker://image:tag` is kept, not dropped: name `docker://image` (tag and digest split as
 *   in the Dockerfile manager), so swapping an image in a workflow still shows as a change.
 *   The ecosystem stays github-actions; the `docker://` prefix keeps such names apart from
 *   action names.
 * Everything is scope prod: workflows are what the repository runs.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { ManifestParseError, type Dependency, type ExtractResult } from "../types.js";
import { imageVersion, splitImageRef } from "../shared/image-ref.js";

export function extractGithubActions(text: string): ExtractResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const [error] = doc.errors;
  if (error) {
    // The yaml message repeats the position and a code excerpt after the first line.
    const reason =
      error.code === "MULTIPLE_DOCS"
        ? "the file holds more than one YAML document"
        : (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, "");
    const pos = error.linePos?.[0];
    throw new ManifestParseError(`invalid YAML: ${reason}`, pos?.line, pos?.col);
  }
  const walker = new Walker(doc, lineCounter);
  const root = walker.resolve(doc.contents);
  if (root === null) return { dependencies: [] };
  if (!isMap(root)) throw walker.fail("expected a mapping at the top level", root);

  const jobs = walker.get(root, "jobs");
  if (jobs !== undefined) {
    if (!isMap(jobs)) throw walker.fail('"jobs" must be a mapping', jobs);
    for (const pair of jobs.items) {
      const job = walker.resolve(pair.value as Node | null);
      if (!isMap(job)) throw walker.fail("a job must be a mapping", job ?? (pair.key as Node));
      walker.uses(walker.get(job, "uses"));
      walker.steps(walker.get(job, "steps"));
    }
  }

  const runs = walker.get(root, "runs");
  if (runs !== undefined) {
    if (!isMap(runs)) throw walker.fail('"runs" must be a mapping', runs);
    walker.steps(walker.get(runs, "steps"));
    const image = walker.get(runs, "image");
    // A container action's `image` is either `Dockerfile` (built locally) or `docker://...`.
    if (isScalar(image) && typeof image.value === "string" && image.value.startsWith("docker://")) {
      walker.uses(image);
    }
  }
  return { dependencies: walker.dependencies };
}

class Walker {
  readonly dependencies: Dependency[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    // Aliases point at anchors elsewhere in the file; follow them.
    if (isAlias(node)) return this.resolve(node.resolve(this.doc));
    return node as Node;
  }

  get(map: Node, key: string): Node | undefined {
    if (!isMap(map)) return undefined;
    for (const pair of map.items) {
      const k = this.resolve(pair.key);
      if (isScalar(k) && k.value === key) return this.resolve(pair.value) ?? undefined;
    }
    return undefined;
  }

  steps(steps: Node | undefined): void {
    if (steps === undefined) return;
    if (!isSeq(steps)) throw this.fail('"steps" must be a list', steps);
    for (const item of steps.items) {
      const step = this.resolve(item);
      if (!isMap(step)) throw this.fail("a step must be a mapping", step ?? steps);
      this.uses(this.get(step, "uses"));
    }
  }

  uses(node: Node | undefined): void {
    if (node === undefined) return;
    if (!isScalar(node) || typeof node.value !== "string") {
      throw this.fail('"uses" must be a string', node);
    }
    const ref = node.value.trim();
    if (ref.startsWith("./") || ref.startsWith(".\\")) return;
    if (ref.startsWith("docker://")) {
      const { name, tag, digest } = splitImageRef(ref.slice("docker://".length));
      if (name === "") throw this.fail(`invalid "uses" reference "${ref}"`, node);
      const dep: Dependency = { name: `docker://${name}`, scope: "prod", direct: true };
      const version = imageVersion(tag, digest);
      if (version !== undefined) dep.version = version;
      this.dependencies.push(dep);
      return;
    }
    const m = /^([^\s/@]+\/[^\s/@]+(?:\/[^\s@]+)?)@([^\s@]+)$/.exec(ref);
    if (!m) {
      throw this.fail(`invalid "uses" reference "${ref}": expected owner/repo[/path]@ref`, node);
    }
    this.dependencies.push({ name: m[1] as string, version: m[2] as string, scope: "prod", direct: true });
  }

  fail(message: string, node: Node | null): ManifestParseError {
    const offset = node?.range?.[0];
    if (offset === undefined) return new ManifestParseError(message);
    const { line, col } = this.lines.linePos(offset);
    return new ManifestParseError(message, line, col);
  }
}
