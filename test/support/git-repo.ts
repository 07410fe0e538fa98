import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * A throwaway git repository: `main` with the base files, and `feature` with one commit by `author`
 * on top. The folder is added to `roots` so the caller can remove it after the tests.
 */
export function repoWith(roots: string[], base: Record<string, string>, head: Record<string, string>, author = "Alice"): string {
  const dir = mkdtempSync(join(tmpdir(), "aims-cli-repo-"));
  roots.push(dir);
  const env = { ...process.env, GIT_AUTHOR_NAME: author, GIT_AUTHOR_EMAIL: "a@example.com", GIT_COMMITTER_NAME: author, GIT_COMMITTER_EMAIL: "a@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: dir };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  writeFiles(dir, base);
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("checkout", "-q", "-b", "feature");
  writeFiles(dir, head);
  git("add", "-A");
  git("commit", "-q", "-m", "change");
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}
