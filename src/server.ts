import { run } from "probot";
import { createApp } from "./app.js";
import { createAimsOctokit, octokitSettingsFromEnv } from "./github/octokit.js";
import { settingsFromEnv } from "./settings.js";

/**
 * The server entry point (`npm start`, the container's command): `probot run` with aims-bot's
 * Octokit, whose throttle retries primary and secondary rate limits and paces writes, and whose
 * requests time out instead of hanging. `probot run ./lib/index.js` still works, with Probot's
 * defaults (no retry of secondary limits).
 */
await run(createApp(settingsFromEnv(), { reconcileOnStart: true }), { Octokit: createAimsOctokit(octokitSettingsFromEnv()) });
