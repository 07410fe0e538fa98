import { run } from "probot";
import { createApp, DEFAULT_RECONCILE_MINUTES } from "./app.js";
import { createAimsOctokit, octokitSettingsFromEnv } from "./github/octokit.js";
import { operationsHandler } from "./metrics/http.js";
import { createMetrics, githubRequestMetrics } from "./metrics/index.js";
import type { Delivery } from "./queue/delivery.js";
import { createInProcessIntake } from "./queue/in-process.js";
import type { Intake } from "./queue/intake.js";
import { createRedisIntake, DEFAULT_REDIS_INTAKE, envRedisIntakeOptions } from "./queue/redis.js";
import { scheduleRepeating } from "./queue/schedule.js";
import { reconcileWithProbot } from "./reconcile/index.js";
import { createServices } from "./services.js";
import { settingsFromEnv } from "./settings.js";
import { installWebhookGuard } from "./webhook-guard.js";

/**
 * The server entry point (`npm start`, the container's command): `probot run` with aims-bot's
 * Octokit, whose throttle retries primary and secondary rate limits and paces writes, and whose
 * requests time out instead of hanging. `probot run ./lib/index.js` still works, with Probot's
 * defaults (no retry of secondary limits), without the webhook guard (bodies above GitHub's 25 MB
 * cap refused with 413 before they are read; forged signatures refused with one warn line) and
 * without the intake queue, /healthz and /metrics.
 *
 * Deliveries go to the intake (src/queue): in process by default, or, with REDIS_URL, a BullMQ
 * queue shared by every replica, whose reconciler is then one repeatable job instead of a timer
 * per replica.
 */
const env = process.env;
const settings = settingsFromEnv(env);
const services = createServices(settings);
const redisUrl = env.REDIS_URL?.trim() || undefined;
const reconcileMinutes = settings.reconcileIntervalMinutes ?? DEFAULT_RECONCILE_MINUTES;
const shutdownMs = Number(env.AIMS_SHUTDOWN_TIMEOUT_MS) > 0 ? Number(env.AIMS_SHUTDOWN_TIMEOUT_MS) : 25_000;

const started: { intake?: Intake; stopScheduled?: () => Promise<void> } = {};
const metrics = createMetrics(() => (started.intake ? started.intake.stats() : Promise.resolve({ depth: 0, active: 0, oldestAgeSeconds: 0, deadLetters: 0 })));
const aims = createApp(settings, { reconcileOnStart: !redisUrl, services });

const server = await run(
  (app, options) => {
    const handle = async (d: Delivery) => {
      await app.receive({ id: d.id, name: d.name, payload: d.payload } as Parameters<typeof app.receive>[0]);
    };
    if (redisUrl) {
      const intake = createRedisIntake({ ...DEFAULT_REDIS_INTAKE, ...envRedisIntakeOptions(env), url: redisUrl, handle, observer: metrics.intake, log: app.log });
      started.intake = intake;
      if (reconcileMinutes > 0) {
        const scheduled = scheduleRepeating(
          { url: redisUrl, prefix: envRedisIntakeOptions(env).prefix ?? DEFAULT_REDIS_INTAKE.prefix, name: "reconcile", everyMs: reconcileMinutes * 60_000, log: app.log },
          () => reconcileWithProbot(app, services, { deadLetters: intake }),
        );
        started.stopScheduled = scheduled.close;
      }
    } else {
      started.intake = createInProcessIntake(handle, { observer: metrics.intake, log: app.log });
    }
    // Oversized and forged deliveries are refused before Probot reads, hashes and logs them (src/webhook-guard.ts).
    installWebhookGuard(app, env, started.intake);
    options.addHandler(operationsHandler(started.intake, metrics));
    return aims(app, options);
  },
  { Octokit: createAimsOctokit(octokitSettingsFromEnv(env)).plugin(githubRequestMetrics(metrics)) },
);

/**
 * SIGTERM (a rolling deploy, `docker stop`): refuse new deliveries with 503 (GitHub logs them as
 * failed and the reconciler redelivers them), finish the ones in hand, then stop listening.
 */
process.once("SIGTERM", () => {
  const stop = async () => {
    await started.stopScheduled?.().catch(() => undefined);
    await started.intake?.close(shutdownMs);
    await server.stop().catch(() => undefined);
  };
  stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
