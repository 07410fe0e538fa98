import { describe, expect, it } from "@jest/globals";
import type { PullRequestContext, PullRequestRef } from "../../src/ports/pull-request-context.js";
import { adopt } from "../../src/handlers/fresh.js";

const ref = (over: Partial<PullRequestRef> = {}): PullRequestRef => ({
  owner: "acme", repo: "shop", number: 7, title: "t", body: "", author: "dev", headSha: "a".repeat(40), baseRef: "main", baseSha: "b".repeat(40),
  changedFiles: 3, state: "open", merged: false, draft: false, ...over,
});
const ctx = (pull: PullRequestRef, tag: string): PullRequestContext =>
  ({ pull, policy: () => tag, existingChecks: () => tag, permission: () => tag, teamMembership: () => tag, files: () => tag }) as unknown as PullRequestContext;

describe("reads started from a webhook payload's copy of a pull request", () => {
  it("are kept, with GitHub's copy, when it names the same head, base and file count", () => {
    const fresh = ref({ body: "new body", fresh: true });
    const adopted = adopt(ctx(ref(), "spec"), fresh)!;
    expect(adopted.pull).toBe(fresh);
    expect(adopted.files()).toBe("spec");
  });

  it("keep policy and standing but neither check runs nor the file listing when only the file count differs", () => {
    const fresh = ref({ changedFiles: 9, fresh: true });
    const adopted = adopt(ctx(ref({ changedFiles: 0 }), "spec"), fresh, () => ctx(fresh, "new"))!;
    expect([adopted.policy(), adopted.existingChecks(), adopted.permission("x"), adopted.files()]).toEqual(["spec", "new", "spec", "new"]);
    expect(adopt(ctx(ref({ changedFiles: 0 }), "spec"), fresh)).toBeUndefined();
  });

  it("are dropped when the head or the base moved", () => {
    const create = () => ctx(ref(), "new");
    expect(adopt(ctx(ref(), "spec"), ref({ headSha: "c".repeat(40) }), create)).toBeUndefined();
    expect(adopt(ctx(ref(), "spec"), ref({ baseRef: "release" }), create)).toBeUndefined();
    expect(adopt(ctx(ref(), "spec"), ref({ baseSha: "d".repeat(40) }), create)).toBeUndefined();
    expect(adopt(undefined, ref(), create)).toBeUndefined();
  });
});
