import { run } from "probot";
import { createApp, DEFAULT_RECONCILE_MINUTES } from "./app.js";
import { createAimsOctokit, octokitSettingsFromEnv } from "./github/octokit.js";
import { operationsHandler } from "./metrics/http.js";
import { createMetrics, githubRequestMetrics } from "./metrics/index.js";
import type { Delivery } from "./queue/delivery.js";
import { createInProcessIntake } from "./queue/in-process.js";
import type { Intake } from "./queue/intake.js";
import { createRedisIntake, DEFAULT_REDIS_INTAKE, envRedisIntakeOptions, failFastRedis } from "./queue/redis.js";
import { createRedisHttpCache, DEFAULT_REDIS_HTTP_CACHE } from "./queue/redis-http-cache.js";
import { redisServiceOverrides } from "./queue/redis-services.js";
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
async function serve(env: NodeJS.ProcessEnv): Promise<void> {
  const settings = settingsFromEnv(env);
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  const reconcileMinutes = settings.reconcileIntervalMinutes ?? DEFAULT_RECONCILE_MINUTES;
  const shutdownMs = Number(env.AIMS_SHUTDOWN_TIMEOUT_MS) > 0 ? Number(env.AIMS_SHUTDOWN_TIMEOUT_MS) : 25_000;
  const queueOptions = { ...DEFAULT_REDIS_INTAKE, ...envRedisIntakeOptions(env) };
  // With Redis, the locks and the label cache are shared by every replica.
  const shared = redisUrl ? failFastRedis(redisUrl) : undefined;
  shared?.on("error", () => undefined);
  const services = createServices(settings, shared ? redisServiceOverrides(shared, { prefix: queueOptions.prefix, lockTtlMs: queueOptions.lockMs, lockWaitMs: 120_000 }) : {});

  let intake: Intake | undefined;
  let stopScheduled: (() => Promise<void>) | undefined;
  const metrics = createMetrics(() => (intake ? intake.stats() : Promise.resolve({ depth: 0, active: 0, oldestAgeSeconds: 0, deadLetters: 0 })));
  const aims = createApp(settings, { reconcileOnStart: !redisUrl, services });

  const server = await run(
    (app, options) => {
      const handle = async (d: Delivery) => {
        await app.receive({ id: d.id, name: d.name, payload: d.payload } as Parameters<typeof app.receive>[0]);
      };
      if (redisUrl) {
        const redisIntake = createRedisIntake({ ...queueOptions, url: redisUrl, handle, observer: metrics.intake, log: app.log });
        intake = redisIntake;
        if (reconcileMinutes > 0) {
          const scheduled = scheduleRepeating({ url: redisUrl, prefix: queueOptions.prefix, name: "reconcile", everyMs: reconcileMinutes * 60_000, log: app.log }, () =>
            reconcileWithProbot(app, services, { deadLetters: redisIntake }),
          );
          stopScheduled = scheduled.close;
        }
      } else {
        intake = createInProcessIntake(handle, { observer: metrics.intake, log: app.log });
      }
      // Oversized and forged deliveries are refused before Probot reads, hashes and logs them (src/webhook-guard.ts).
      installWebhookGuard(app, env, intake);
      options.addHandler(operationsHandler(intake, metrics));
      return aims(app, options);
    },
    {
      // With Redis, a copy one replica kept lets every replica revalidate it (304s are free).
      Octokit: createAimsOctokit(
        octokitSettingsFromEnv(env),
        shared ? { shared: createRedisHttpCache(shared, { ...DEFAULT_REDIS_HTTP_CACHE, prefix: queueOptions.prefix }) } : {},
      ).plugin(githubRequestMetrics(metrics)),
    },
  );

  // SIGTERM (a rolling deploy, `docker stop`): refuse new deliveries with 503 (GitHub logs them as
  // failed and the reconciler redelivers them), finish the ones in hand, then stop listening.
  process.once("SIGTERM", () => {
    const stop = async () => {
      await stopScheduled?.().catch(() => undefined);
      await intake?.close(shutdownMs);
      await server.stop().catch(() => undefined);
      shared?.disconnect();
    };
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

await serve(process.env);
