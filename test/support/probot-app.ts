import { afterEach, beforeEach } from "@jest/globals";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { createApp } from "../../src/app.js";
import type { AppSettings } from "../../src/settings.js";
import { generateTestPrivateKey } from "./fake-github.js";
import { recordAndValidateNock } from "./openapi.js";

const require = createRequire(import.meta.url);

/** A throwaway RSA key so Probot can sign app JWTs in tests; never committed. */
export const testPrivateKey = generateTestPrivateKey;

export const TEST_APP_ID = 1;

/**
 * Probot's Octokit without retries or throttling, so a test sees each request exactly once.
 * The function form of `defaults` is the one that really disables throttling (see TOOLCHAIN.md).
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/** Probot with the app loaded, no retries and no throttling, talking to api.github.com (nock intercepts it). */
// Event tests mock exactly the reads of one evaluation, from the payload's PR: they opt out of the
// re-read of the PR that production does (test/reliability/security.test.ts covers it).
export async function createTestProbot(settings: AppSettings = { appId: TEST_APP_ID, appSlug: "aims-bot", trustWebhookPayloads: true }): Promise<Probot> {
  const probot = new Probot({
    appId: TEST_APP_ID,
    privateKey: testPrivateKey(),
    logLevel: "fatal",
    Octokit: TestOctokit,
  });
  await probot.load(createApp(settings), { cwd: process.cwd(), addHandler: () => {} });
  return probot;
}

/**
 * For the tests of the enclosing describe: a fresh Probot with the app and a nock recorder that
 * validates every request against GitHub's OpenAPI description; no real network.
 */
export function useProbotWithNock(settings?: AppSettings): { probot: Probot; recorder: ReturnType<typeof recordAndValidateNock> } {
  const current = {} as { probot: Probot; recorder: ReturnType<typeof recordAndValidateNock> };
  beforeEach(async () => {
    nock.disableNetConnect();
    current.recorder = recordAndValidateNock();
    current.probot = await createTestProbot(settings);
  });
  afterEach(() => {
    current.recorder.stop();
    nock.cleanAll();
    nock.enableNetConnect();
  });
  return current;
}

type Example = { action?: string; installation?: { id: number } } & Record<string, unknown>;
type ExampleGroup = { name: string; actions: string[]; examples: Example[] };

/** A real webhook payload from @octokit/webhooks-examples, deep-copied, with an installation. */
export function webhookExample(name: string, action: string | undefined, pick: (e: Example) => boolean = () => true): any {
  const groups = require("@octokit/webhooks-examples") as ExampleGroup[];
  const group = groups.find((g) => g.name === name);
  const example = group?.examples.find((e) => e.action === action && pick(e)) ?? group?.examples.find((e) => e.action === action);
  if (!example) throw new Error(`no webhook example for ${name}.${action}`);
  const copy = structuredClone(example);
  copy.installation ??= { id: 1 };
  return copy;
}
