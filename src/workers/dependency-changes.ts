/**
 * Worker thread: the dependency diff of large manifests and lockfiles (a 20 MB package-lock.json
 * takes hundreds of milliseconds to parse), so the server's event loop keeps answering meanwhile.
 * Receives plain data (see detectDependencyChangesOffThread) and posts the result back.
 */
import { parentPort, workerData } from "node:worker_threads";
import { changedManifests, createMatcher, detectDependencyChanges, type ManifestTexts } from "../detect/dependencies.js";
import type { DependencyJob } from "./off-thread.js";

function run(job: DependencyJob): ReturnType<typeof detectDependencyChanges> {
  const manifests = changedManifests(job.files, () => false);
  // ignoreBOM keeps a byte order mark in the text, exactly as the event loop would see it.
  const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
  const texts = new Map<string, ManifestTexts>();
  for (const [path, t] of job.texts) texts.set(path, { ...(t.base ? { base: utf8.decode(t.base) } : {}), ...(t.head ? { head: utf8.decode(t.head) } : {}) });
  return detectDependencyChanges(manifests, texts, createMatcher(job.extra, job.ignore), (path) => job.systems[path] ?? job.unknownSystem, job.gated);
}

parentPort?.postMessage(run(workerData as DependencyJob));
