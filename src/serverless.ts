import { createProbot, type Probot } from "probot";
import { createApp } from "./app.js";
import { createAimsOctokit, octokitSettingsFromEnv } from "./github/octokit.js";
import { settingsFromEnv } from "./settings.js";

/** An API Gateway / Lambda function URL style HTTP event (v1 and v2 payloads share these fields). */
export interface HttpEvent {
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function reply(statusCode: number, message: string): HttpResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify({ message }) };
}

/**
 * One function invocation per webhook delivery: verify the signature, then run the same handlers
 * as the server. Probot is created once per container and reused across invocations.
 */
export function createWebhookHandler(init: () => Promise<Probot> = defaultProbot) {
  let probot: Promise<Probot> | undefined;
  return async (event: HttpEvent): Promise<HttpResult> => {
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? ""]));
    const id = headers["x-github-delivery"];
    const name = headers["x-github-event"];
    const signature = headers["x-hub-signature-256"];
    if (!id || !name) return reply(400, "not a GitHub webhook: x-github-delivery and x-github-event headers are required");
    if (!signature) return reply(401, "missing x-hub-signature-256 header: configure a webhook secret for the app");
    const body = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");

    const app = await (probot ??= init());
    try {
      await app.webhooks.verifyAndReceive({ id, name, signature, payload: body });
      return reply(200, "ok");
    } catch (error) {
      const errors = error instanceof AggregateError ? error.errors : [error];
      const status = (errors[0] as { status?: number } | undefined)?.status;
      if (status === 400 && String((errors[0] as Error).message).includes("signature")) {
        return reply(401, "signature does not match: check WEBHOOK_SECRET");
      }
      if (status === 400) return reply(400, "invalid JSON payload");
      app.log.error({ err: error, delivery: id, event: name }, "webhook handler failed");
      return reply(500, "handler failed; redeliver this delivery once the cause is fixed");
    }
  };
}

async function defaultProbot(): Promise<Probot> {
  // aims-bot's client: retries rate limits (secondary too) and server errors, paces writes.
  const probot = createProbot({ overrides: { Octokit: createAimsOctokit(octokitSettingsFromEnv(process.env)) } });
  await probot.load(createApp(settingsFromEnv(process.env)));
  await probot.ready();
  return probot;
}

/** The Lambda entry point: `handler` in `lib/serverless.js`. */
export const handler = createWebhookHandler();
