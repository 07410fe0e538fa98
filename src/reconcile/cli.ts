import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Probot } from "probot";
import { createAimsOctokit, octokitSettingsFromEnv } from "../github/octokit.js";
import { DEFAULT_REDIS_INTAKE, openDeadLetters } from "../queue/redis.js";
import { redisServiceOverrides } from "../queue/redis-services.js";
import { createServices } from "../services.js";
import { settingsFromEnv } from "../settings.js";
import { reconcileWithProbot, summarise, type ReconcileOptions } from "./index.js";

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Where the API lives: GHE_HOST/GHE_PROTOCOL as Probot reads them, else GITHUB_API_URL, else github.com. */
export function apiBaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GHE_HOST) return `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3`;
  return env.GITHUB_API_URL || undefined;
}

function privateKey(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PRIVATE_KEY) return env.PRIVATE_KEY.replace(/\\n/g, "\n");
  if (env.PRIVATE_KEY_PATH) return readFileSync(env.PRIVATE_KEY_PATH, "utf8");
  return undefined;
}

/** `aims reconcile`: exit 0 when the pass found nothing it could not repair, 1 otherwise, 2 on usage errors. */
export async function reconcileCommand(args: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      "no-redeliver": { type: "boolean", default: false },
      "no-pulls": { type: "boolean", default: false },
      "cooldown-minutes": { type: "string" },
      "closed-days": { type: "string" },
    },
  });
  const appId = env.APP_ID;
  const key = privateKey(env);
  if (!appId || !key) {
    io.stderr("aims reconcile: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set to act as the GitHub App\n");
    return 2;
  }
  const number = (name: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw Object.assign(new Error(`--${name} must be a number of at least 0`), { code: "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" });
    return n;
  };
  const cooldown = number("cooldown-minutes", values["cooldown-minutes"]);
  const closedDays = number("closed-days", values["closed-days"]);
  const baseUrl = apiBaseUrl(env);
  const probot = new Probot({
    appId,
    privateKey: key,
    ...(baseUrl ? { baseUrl } : {}),
    Octokit: createAimsOctokit(octokitSettingsFromEnv(env)),
    logLevel: (env.LOG_LEVEL as "info" | undefined) ?? "warn",
  });
  const options: ReconcileOptions = {
    redeliver: !values["no-redeliver"],
    pulls: !values["no-pulls"],
    ...(cooldown !== undefined ? { cooldownMs: cooldown * 60_000 } : {}),
    ...(closedDays !== undefined ? { closedLookbackMs: closedDays * 24 * 60 * 60_000 } : {}),
  };
  // With REDIS_URL, the pass takes the same locks as the servers, and the intake's dead letters are
  // retried and reported like failed deliveries.
  const redisUrl = env.REDIS_URL?.trim();
  const prefix = env.AIMS_REDIS_PREFIX?.trim() || DEFAULT_REDIS_INTAKE.prefix;
  const deadLetters = redisUrl ? openDeadLetters(redisUrl, prefix) : undefined;
  if (deadLetters) options.deadLetters = deadLetters;
  const overrides = deadLetters ? redisServiceOverrides(deadLetters.redis, { prefix, lockTtlMs: DEFAULT_REDIS_INTAKE.lockMs, lockWaitMs: 120_000 }) : {};
  const report = await reconcileWithProbot(probot, createServices(settingsFromEnv(env), overrides), options).finally(() => deadLetters?.close());
  const summary = summarise(report);
  io.stdout(`${JSON.stringify({ reconcile: summary })}\n`);
  for (const e of report.errors) io.stderr(`aims reconcile: ${e}\n`);
  for (const r of report.repositories) for (const e of r.errors) io.stderr(`aims reconcile: ${r.repository}#${e.number}: ${e.message}\n`);
  if (report.deliveriesError) io.stderr(`aims reconcile: deliveries: ${report.deliveriesError}\n`);
  if (report.deadLettersError) io.stderr(`aims reconcile: dead letters: ${report.deadLettersError}\n`);
  for (const guid of report.deadLettersRetried ?? []) io.stderr(`aims reconcile: delivery ${guid} had failed every attempt in the intake queue; queued again\n`);
  for (const guid of report.deliveries?.gaveUp ?? []) io.stderr(`aims reconcile: delivery ${guid} failed too often; redeliver it by hand once the cause is fixed\n`);
  return (summary.errors as number) > 0 || report.deliveriesError || report.deadLettersError || (report.deliveries?.gaveUp.length ?? 0) > 0 ? 1 : 0;
}
