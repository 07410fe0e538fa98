import { afterEach, beforeEach, expect } from "@jest/globals";
import { Probot, ProbotOctokit } from "probot";
import { createApp, type AppOptions } from "../../src/app.js";
import type { AppSettings } from "../../src/settings.js";
import { FakeGitHub, generateTestPrivateKey, type FakeGitHubOptions } from "./fake-github.js";
import { validateWebhookPayload } from "./openapi.js";
import { payloads } from "./payloads.js";
import { TestOctokit } from "./probot-app.js";

/**
 * Probot with the app loaded, in-process, talking over HTTP to a started FakeGitHub (no nock):
 * for event tests that need GitHub's state to evolve. No throttling or retries unless asked.
 */
export async function createFakeProbot(fake: FakeGitHub, settings: AppSettings = {}, options: AppOptions & { Octokit?: typeof ProbotOctokit } = {}): Promise<Probot> {
  const probot = new Probot({
    appId: fake.app.id,
    privateKey: generateTestPrivateKey(),
    baseUrl: fake.apiBase,
    logLevel: "fatal",
    Octokit: options.Octokit ?? TestOctokit,
  });
  await probot.load(createApp({ appId: fake.app.id, appSlug: fake.app.slug, ...settings }, options), { cwd: process.cwd(), addHandler: () => {} });
  return probot;
}

/**
 * For the tests of the enclosing describe: a fresh started FakeGitHub and the app talking to it.
 * After each test, every request the app made and every answer must match GitHub's OpenAPI
 * description, and every request must be one the fake knows.
 */
export function useFakeProbot(options: { fake?: FakeGitHubOptions; settings?: AppSettings; app?: () => AppOptions } = {}): { fake: FakeGitHub; probot: Probot } {
  const current = {} as { fake: FakeGitHub; probot: Probot };
  beforeEach(async () => {
    current.fake = new FakeGitHub(options.fake);
    await current.fake.start();
    current.probot = await createFakeProbot(current.fake, options.settings, options.app?.());
  });
  afterEach(async () => {
    try {
      expect({ violations: current.fake.violations, responseViolations: current.fake.responseViolations, unhandled: current.fake.unhandled }).toEqual({ violations: [], responseViolations: [], unhandled: [] });
    } finally {
      await current.fake.stop();
    }
  });
  return current;
}

let ids = 0;
/**
 * Deliver one event to the in-process app; rejects when a handler fails, or when the payload
 * departs from GitHub's schema of that webhook (the description's `x-webhooks`), so no test
 * passes on a payload GitHub would never send.
 */
export async function receive(probot: Probot, name: string, payload: Record<string, unknown>, id = `test-${++ids}`): Promise<void> {
  const problems = validateWebhookPayload(webhookName(name, payload), payload);
  if (problems.length > 0) throw new Error(`the ${name} payload departs from GitHub's webhook schema:\n${problems.join("\n")}`);
  await probot.receive({ id, name, payload } as never);
}

/** `pull-request-opened` for a `pull_request` event with action `opened`, as the description names webhooks. */
export function webhookName(event: string, payload: Record<string, unknown>): string {
  return [event, payload.action].filter((part) => typeof part === "string").join("-").replaceAll("_", "-");
}

/** `pull_request` for PR `number` of `fullName`, sent by `sender` (see payloads.ts). */
export async function pullRequestPayload(fake: FakeGitHub, fullName: string, number: number, action: string, sender = "alice", extra: Record<string, unknown> = {}) {
  return payloads(fake, fullName).pullRequest(number, action, { sender, extra });
}
