import { describe, expect, it } from "@jest/globals";
import { packageLock } from "../../bench/scenarios.js";

// The built modules (npm test builds lib/ first): the worker thread runs the compiled JavaScript.
const { detectDependencyChangesOffThread } = (await import("../../lib/workers/off-thread.js" as string)) as typeof import("../../src/workers/off-thread.js");
const { changedManifests } = (await import("../../lib/detect/dependencies.js" as string)) as typeof import("../../src/detect/dependencies.js");

describe("large lockfiles are parsed on a worker thread, with the same result", () => {
  const files = [{ filename: "package-lock.json", status: "modified" as const, additions: 1, deletions: 0 }];
  const manifests = changedManifests(files, () => false);
  const packages = { extra: [], ignore: [] };
  const systemFor = (path: string) => (path === "package-lock.json" ? "support-chatbot" : "unregistered");

  it("finds the AI package a lockfile adds exactly as the event loop would", async () => {
    const texts = new Map([["package-lock.json", { base: packageLock(200_000), head: packageLock(200_000, { openai: "^4.56.0" }) }]]);
    const offThread = await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: 0 });
    const inThread = await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: Number.POSITIVE_INFINITY });
    expect(offThread.changes.map((c) => [c.path, c.dependency?.name, c.system, c.gated])).toEqual([["package-lock.json", "openai", "support-chatbot", true]]);
    expect(offThread).toEqual(inThread);
  });

  it("passes the text through unchanged: a byte order mark and characters beyond ASCII included", async () => {
    const head = `\uFEFF${packageLock(5_000, { openai: "^4.56.0" }).replace('"shop"', '"shöp-𝔸"')}`;
    const texts = new Map([["package-lock.json", { base: packageLock(5_000), head }]]);
    const offThread = await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: 0 });
    expect(offThread).toEqual(await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: Number.POSITIVE_INFINITY }));
  });

  it("reports a lockfile that does not parse as a problem, as the event loop would", async () => {
    const texts = new Map([["package-lock.json", { base: packageLock(10_000), head: "{ not json" }]]);
    const offThread = await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: 0 });
    expect(offThread.problems.map((p) => p.path)).toEqual(["package-lock.json"]);
    expect(offThread).toEqual(await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: Number.POSITIVE_INFINITY }));
  });

  it("takes UTF-8 bytes read from GitHub as well as text, on either thread, with one result", async () => {
    const head = packageLock(50_000, { openai: "^4.56.0" }).replace('"shop"', '"shöp-𝔸"');
    const texts = new Map([["package-lock.json", { base: packageLock(50_000), head }]]);
    const utf8 = new TextEncoder();
    const bytes = new Map([["package-lock.json", { base: utf8.encode(packageLock(50_000)), head: utf8.encode(head) }]]);
    const fromText = await detectDependencyChangesOffThread(manifests, texts, packages, systemFor, true, { minChars: Number.POSITIVE_INFINITY });
    expect(fromText.changes.map((c) => c.dependency?.name)).toEqual(["openai"]);
    expect(await detectDependencyChangesOffThread(manifests, bytes, packages, systemFor, true, { minChars: 0 })).toEqual(fromText);
    expect(await detectDependencyChangesOffThread(manifests, bytes, packages, systemFor, true, { minChars: Number.POSITIVE_INFINITY })).toEqual(fromText);
    // The caller's bytes are still whole: the worker got a copy.
    expect(bytes.get("package-lock.json")!.head.byteLength).toBe(utf8.encode(head).byteLength);
  });
});
