import { spawn } from "node:child_process";
import { generateTestPrivateKey, type FakeGitHub } from "./fake-github.js";

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (`lib/cli/bin.js`, as `aims` is installed) with only PATH and `env` set; `nodeArgs` go to Node. */
export function runBuiltCli(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, "lib/cli/bin.js", ...args], { cwd: process.cwd(), env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    // "close", not "exit": both pipes are drained by then.
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Environment for the CLI to act as the fake GitHub's app (`host` from `fake.start()`): retries wait
 * milliseconds, the throttling plugin's spacing and the content queue are off unless `overrides` turn
 * them on.
 */
export function appCliEnv(fake: FakeGitHub, host: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    APP_ID: String(fake.app.id),
    PRIVATE_KEY: generateTestPrivateKey(),
    GHE_HOST: host,
    GHE_PROTOCOL: "http",
    APP_SLUG: fake.app.slug,
    AIMS_RETRY_BASE_MS: "5",
    AIMS_WRITE_PACING: "off",
    AIMS_CONTENT_INTERVAL_MS: "0",
    ...overrides,
  };
}
