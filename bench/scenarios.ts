/**
 * The pull requests `npm run bench` measures, seeded into the fake GitHub. Each scenario can be
 * set up any number of times (a new branch and PR each time), so a first evaluation can be timed
 * at every latency setting.
 */
import type { FakeGitHub, FakePull, FakeRepo } from "../test/support/fake-github.js";

export const REPO = "acme/shop";

export const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**", "data/**"]
    risk: limited
  - id: support-chatbot
    name: Support assistant
    paths: ["services/chat/**", "package.json", "package-lock.json"]
    risk: limited
`;

const PACKAGE_JSON = (deps: Record<string, string>) => `${JSON.stringify({ name: "shop", version: "1.0.0", private: true, dependencies: deps }, null, 2)}\n`;

/** A package-lock.json (lockfileVersion 3) of about `bytes` bytes: thousands of ordinary packages, plus `extra`. */
export function packageLock(bytes: number, extra: Record<string, string> = {}): string {
  const packages: Record<string, unknown> = {
    "": { name: "shop", version: "1.0.0", dependencies: { express: "^4.19.2", ...extra } },
  };
  const entry = (name: string, version: string) => ({
    version,
    resolved: `https://registry.npmjs.org/${name}/-/${name.replace(/^@[^/]+\//, "")}-${version}.tgz`,
    integrity: `sha512-${Buffer.from(`${name}@${version}`).toString("base64").padEnd(86, "A")}==`,
    license: "MIT",
    dependencies: { "lodash.get": "^4.4.2", "ms": "^2.1.3" },
    engines: { node: ">=14" },
  });
  for (const [name, version] of Object.entries(extra)) packages[`node_modules/${name}`] = entry(name, version.replace(/^\^/, ""));
  let i = 0;
  let size = 0;
  const sample = JSON.stringify(entry("pkg-000000", "1.2.3")).length + 40;
  while (size < bytes) {
    const name = `pkg-${String(i).padStart(6, "0")}`;
    packages[`node_modules/${name}`] = entry(name, `${1 + (i % 9)}.${i % 17}.${i % 5}`);
    size += sample;
    i++;
  }
  return `${JSON.stringify({ name: "shop", version: "1.0.0", lockfileVersion: 3, requires: true, packages }, null, 2)}\n`;
}

let baseLock: string | undefined;
let headLock: string | undefined;
export const LOCK_BYTES = 20 * 1024 * 1024;
function locks(): { base: string; head: string } {
  baseLock ??= packageLock(LOCK_BYTES);
  headLock ??= packageLock(LOCK_BYTES, { openai: "^4.56.0" });
  return { base: baseLock, head: headLock };
}

export function seedRepo(fake: FakeGitHub): FakeRepo {
  const files: Record<string, string> = {
    ".github/aims.yml": POLICY,
    "README.md": "# Shop\n",
    "package.json": PACKAGE_JSON({ express: "^4.19.2" }),
    "package-lock.json": locks().base,
    "src/index.ts": "export {};\n",
  };
  for (let i = 0; i < 50; i++) files[`src/lib/module-${i}.ts`] = `export const m${i} = ${i};\n`;
  return fake.addRepo(REPO, { files });
}

export interface Delivery {
  name: string;
  payload: Record<string, unknown>;
}

export interface Scenario {
  id: string;
  title: string;
  /** Counted in the CPU and memory measurement. */
  large: boolean;
  /** A fresh PR (and, for follow-up events, its earlier events) ready for the measured delivery. */
  setup: (fake: FakeGitHub, api: string, deliver: (d: Delivery) => Promise<void>) => Promise<Delivery>;
  /** The same event again, once the first was handled: nothing changed, so nothing should be written. */
  again: (fake: FakeGitHub, api: string, first: Delivery) => Promise<Delivery>;
}

let branchSeq = 0;

async function pullRequestDelivery(fake: FakeGitHub, api: string, pull: FakePull, action: string): Promise<Delivery> {
  const get = async (path: string) => (await fetch(`${api}${path}`)).json() as Promise<Record<string, unknown>>;
  const payload = {
    action,
    number: pull.number,
    pull_request: await get(`/repos/${REPO}/pulls/${pull.number}`),
    repository: await get(`/repos/${REPO}`),
    installation: { id: fake.installationId },
    sender: { login: "alice", id: 9001, type: "User" },
  };
  return { name: "pull_request", payload };
}

function pullScenario(id: string, title: string, large: boolean, files: () => Record<string, string>): Scenario {
  return {
    id,
    title,
    large,
    setup: async (fake, api) => {
      const branch = `${id}-${++branchSeq}`;
      fake.commit(REPO, { branch, files: files(), author: "alice" });
      const pull = fake.addPullRequest(REPO, { head: branch, user: "alice", title });
      return pullRequestDelivery(fake, api, pull, "opened");
    },
    again: async (fake, api, first) => pullRequestDelivery(fake, api, fake.getPull(REPO, (first.payload as { number: number }).number), "edited"),
  };
}

const manyFiles = (n: number): Record<string, string> => {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`src/generated/part-${Math.floor(i / 100)}/file-${i}.ts`] = `export const v${i} = ${branchSeq};\n`;
  return files;
};

export const SCENARIOS: Scenario[] = [
  pullScenario("docs-only", "docs-only PR", false, () => ({ "README.md": `# Shop\n\nHow to run it (${branchSeq}).\n` })),
  pullScenario("model-added", "model added", false, () => ({ [`models/ranker-${branchSeq}.onnx`]: `\u0000ONNX\u0001${branchSeq}` })),
  pullScenario("ai-dependency-20mb-lock", "AI dependency + 20 MB lockfile", true, () => ({
    "package.json": PACKAGE_JSON({ express: "^4.19.2", openai: "^4.56.0" }),
    "package-lock.json": locks().head,
  })),
  pullScenario("3000-files", "3000-file PR (incl. 20 MB lockfile)", true, () => ({
    ...manyFiles(2998),
    "package.json": PACKAGE_JSON({ express: "^4.19.2", openai: "^4.56.0" }),
    "package-lock.json": locks().head,
  })),
  {
    id: "review-submitted",
    title: "review submitted on governed PR",
    large: false,
    setup: async (fake, api, deliver) => {
      const branch = `review-${++branchSeq}`;
      fake.commit(REPO, { branch, files: { [`models/ranker-${branchSeq}.onnx`]: `\u0000ONNX\u0002${branchSeq}` }, author: "alice" });
      const pull = fake.addPullRequest(REPO, { head: branch, user: "alice", title: "Add a ranker" });
      await deliver(await pullRequestDelivery(fake, api, pull, "opened"));
      fake.setPermission(REPO, "bob", "write");
      const review = fake.addReview(REPO, pull.number, { user: "bob", state: "APPROVED", body: "Looks right." });
      return reviewDelivery(fake, api, pull, review.id);
    },
    again: async (fake, api, first) => {
      const payload = first.payload as { pull_request: { number: number }; review: { id: number } };
      return reviewDelivery(fake, api, fake.getPull(REPO, payload.pull_request.number), payload.review.id);
    },
  },
];

async function reviewDelivery(fake: FakeGitHub, api: string, pull: FakePull, reviewId: number): Promise<Delivery> {
  const pr = await pullRequestDelivery(fake, api, pull, "submitted");
  const reviews = (await (await fetch(`${api}/repos/${REPO}/pulls/${pull.number}/reviews`)).json()) as Array<Record<string, unknown>>;
  const review = reviews.find((r) => r.id === reviewId)!;
  return {
    name: "pull_request_review",
    payload: { ...pr.payload, review: { ...review, state: String(review.state).toLowerCase() }, sender: review.user },
  };
}
