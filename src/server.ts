import { run } from "probot";
import { createApp } from "./app.js";
import { createAimsOctokit, octokitSettingsFromEnv } from "./github/octokit.js";
import { settingsFromEnv } from "./settings.js";
import { installWebhookGuard } from "./webhook-guard.js";

/**
 * The server entry point (`npm start`, the container's command): `probot run` with aims-bot's
 * Octokit, whose throttle retries primary and secondary rate limits and paces writes, and whose
 * requests time out instead of hanging. `probot run ./lib/index.js` still works, with Probot's
 * defaults (no retry of secondary limits) and without the webhook guard (bodies above GitHub's 25 MB
 * cap refused with 413 before they are read; forged signatures refused with one warn line).
 */
const aims = createApp(settingsFromEnv(process.env), { reconcileOnStart: true });
await run(
  (app, options) => {
    // Oversized and forged deliveries are refused before Probot reads, hashes and logs them (src/webhook-guard.ts).
    installWebhookGuard(app, process.env);
    return aims(app, options);
  },
  { Octokit: createAimsOctokit(octokitSettingsFromEnv(process.env)) },
);
