import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Probot, ProbotOctokit } from "probot";
import { createApp } from "../app.js";
import { settingsFromEnv } from "../settings.js";

/**
 * GitHub Actions mode: run aims-bot's handlers once for the event that started the workflow,
 * authenticated with the workflow's GITHUB_TOKEN instead of an installed GitHub App. The same
 * handlers and pipeline run as in the app; the check runs appear under the github-actions app.
 */

export const EXIT_OK = 0;
export const EXIT_HANDLER_FAILED = 1;
export const EXIT_USAGE = 2;

export interface ActionIo {
  /** Ordinary output lines (the workflow log). */
  info: (line: string) => void;
  /** `::error::` lines become annotations on the workflow run. */
  error: (line: string) => void;
}

export const processIo: ActionIo = {
  info: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stdout.write(`::error title=aims-bot::${line.replace(/\r?\n/g, "%0A")}\n`),
};

export interface ActionOptions {
  /** Octokit class to use; tests pass one with retries and throttling disabled. */
  Octokit?: typeof ProbotOctokit;
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
}

function errorsOf(error: unknown): unknown[] {
  if (error instanceof AggregateError) return error.errors.flatMap(errorsOf);
  const nested = (error as { errors?: unknown }).errors;
  return Array.isArray(nested) && nested.length > 0 && !(error as { status?: number }).status ? nested.flatMap(errorsOf) : [error];
}

function describe(error: unknown): string {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  return status ? `GitHub answered HTTP ${status}: ${message}` : message;
}

/** Read the workflow's event and run the app's handlers for it. Returns the process exit code. */
export async function runAction(env: NodeJS.ProcessEnv, io: ActionIo = processIo, options: ActionOptions = {}): Promise<number> {
  const name = env.GITHUB_EVENT_NAME;
  const path = env.GITHUB_EVENT_PATH;
  const token = env.INPUT_GITHUB_TOKEN || env["INPUT_GITHUB-TOKEN"] || env.GITHUB_TOKEN;
  if (!name || !path) {
    io.error("GITHUB_EVENT_NAME and GITHUB_EVENT_PATH are not set: run this inside a GitHub Actions workflow");
    return EXIT_USAGE;
  }
  if (!token) {
    io.error("no token: pass `github-token: ${{ github.token }}` (the default) or set GITHUB_TOKEN");
    return EXIT_USAGE;
  }
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (error) {
    io.error(`cannot read the event payload ${path}: ${(error as Error).message}`);
    return EXIT_USAGE;
  }

  const probot = new Probot({
    githubToken: token,
    baseUrl: env.GITHUB_API_URL || "https://api.github.com",
    logLevel: options.logLevel ?? (env.RUNNER_DEBUG === "1" ? "debug" : "info"),
    ...(options.Octokit ? { Octokit: options.Octokit } : {}),
  });
  // No app id: check runs are looked up among all apps' runs on the commit, by name. Writes made
  // with GITHUB_TOKEN come from github-actions[bot]: those are this run's own events (and naming the
  // slug spares a GET /app, which a workflow token cannot call).
  await probot.load(createApp({ ...settingsFromEnv(env), appSlug: "github-actions" }), { cwd: process.cwd(), addHandler: () => {} });

  const action = typeof payload.action === "string" ? `.${payload.action}` : "";
  try {
    await probot.receive({ id: env.GITHUB_RUN_ID ? `actions-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? "1"}` : randomUUID(), name: name as never, payload: payload as never });
  } catch (error) {
    for (const e of errorsOf(error)) io.error(`handling ${name}${action} failed: ${describe(e)}`);
    return EXIT_HANDLER_FAILED;
  }
  io.info(`aims-bot handled ${name}${action}`);
  return EXIT_OK;
}
