import type { CodeFinding } from "./code/diff.js";
import type { DependencyScope, Ecosystem } from "./manifests/types.js";

/**
 * The parts of the AI surface a changed file can belong to. `code`: AI use in source code and
 * notebooks (calls, model loading, agents, MCP, system prompts).
 */
export const CATEGORIES = [
  "model",
  "model-metadata",
  "dataset",
  "prompt",
  "ai-tooling",
  "governance-policy",
  "dependency",
  "code",
] as const;

/** What part of the AI surface a changed file belongs to. */
export type Category = (typeof CATEGORIES)[number];

export type FileStatus =
  | "added"
  | "removed"
  | "modified"
  | "renamed"
  | "copied"
  | "changed"
  | "unchanged";

/** A file of the pull request as GitHub lists it (pulls.listFiles), reduced to what detection needs. */
export interface ChangedFile {
  filename: string;
  status: FileStatus;
  previousFilename?: string;
  additions: number;
  deletions: number;
  /** Absent for binary files and very large diffs. */
  patch?: string;
  /** Blob SHA of the head version. */
  sha?: string;
}

/** What a Git LFS pointer file records about the real object. */
export interface LfsPointer {
  oid: string;
  size: number;
}

/** One output recorded in a DVC file. */
export interface DvcOutput {
  path: string;
  md5?: string;
  hash?: string;
  size?: number;
  remote?: string;
}

/** Where `dvc import` took the data from. */
export interface DvcSource {
  url: string;
  /** The exact commit the import is locked to. */
  revLock?: string;
  rev?: string;
  path?: string;
}

export type AiPackageKind =
  | "llm-api"
  | "ml-framework"
  | "agent-framework"
  | "inference-runtime"
  | "model-hub"
  | "vector-db"
  | "mlops"
  | "evaluation"
  | "guardrails"
  | "mcp"
  | "biometric"
  | "tokenizer";

export type DependencyChangeType =
  | "added"
  | "removed"
  | "upgraded"
  | "downgraded"
  | "source-changed"
  /** A declared range or constraint changed without a version change (`<1.0.0` cap dropped, `>=0.10.2` added). */
  | "constraint-changed"
  /** Only the scope changed: an AI SDK moved from devDependencies to dependencies ships to production. */
  | "scope-changed";

/** An AI package whose presence, version or source differs between base and head. */
export interface DependencyChange {
  ecosystem: Ecosystem;
  name: string;
  kind: AiPackageKind;
  supplier: string;
  change: DependencyChangeType;
  from?: string;
  to?: string;
  /** Size of a version change, when both sides are comparable versions. */
  bump?: "major" | "minor" | "patch" | "prerelease" | "other";
  direct: boolean;
  scope: DependencyScope;
  /** The scope on the base side, when it differs from `scope`. */
  fromScope?: DependencyScope;
  /** The extra or dependency group the change was read from (`hub`), for changes of one declaration. */
  group?: string;
  /** Manifest or lockfile paths the change was read from. */
  manifests: string[];
  /** Catalogue note, e.g. the EU AI Act caution on biometric packages. */
  note?: string;
  fromSource?: string;
  toSource?: string;
}

export interface AiChange {
  path: string;
  previousPath?: string;
  status: FileStatus;
  category: Category;
  /** Id of the rule that matched, e.g. `model.safetensors`. */
  rule: string;
  /** Why the rule matched, in words a developer understands. */
  reason: string;
  /** Id of the AI system the path belongs to, or `unregistered`. */
  system: string;
  /** false for categories reported but not gated (ai-tooling by default). */
  gated: boolean;
  lfs?: LfsPointer;
  dvc?: DvcOutput[];
  dvcSource?: DvcSource;
  dependency?: DependencyChange;
  /** Category `code`: what changed in the file's AI use, where, and with which provider and model. */
  code?: CodeFinding;
}

export const UNREGISTERED_SYSTEM = "unregistered";

/** A problem met while reading the PR that could hide an AI change (a manifest that does not parse). */
export interface DetectionProblem {
  path: string;
  message: string;
  line?: number;
  column?: number;
}
