import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";

/**
 * A job that runs every `everyMs` on exactly one replica at a time (BullMQ's job scheduler: one
 * scheduled job, taken by whichever replica's worker is free; a replica that dies mid-run loses
 * the job's lock and another takes it). The first run is due at once.
 */
export function scheduleRepeating(
  options: { url: string; prefix: string; name: string; everyMs: number; log?: { warn: (obj: object, msg: string) => void } },
  run: () => Promise<unknown>,
): { close: () => Promise<void> } {
  const connection = new Redis(options.url, { maxRetriesPerRequest: null });
  connection.on("error", () => undefined);
  const queue = new Queue(options.name, { connection, prefix: options.prefix });
  const workerConnection = connection.duplicate();
  workerConnection.on("error", () => undefined);
  const worker = new Worker(options.name, async () => void (await run()), {
    connection: workerConnection,
    prefix: options.prefix,
    concurrency: 1,
    removeOnComplete: { count: 10 },
    removeOnFail: { count: 10 },
  });
  worker.on("error", (error) => options.log?.warn({ err: error.message, job: options.name }, "scheduled job worker error"));
  worker.on("failed", (_job, error) => options.log?.warn({ err: error?.message, job: options.name }, "scheduled job failed; the next run tries again"));
  queue.upsertJobScheduler(options.name, { every: options.everyMs, immediately: true }, { name: options.name }).catch((error: Error) => {
    options.log?.warn({ err: error.message, job: options.name }, "could not schedule the job; it runs once Redis is back and the server restarts");
  });
  return {
    close: async () => {
      await worker.close();
      await queue.close();
      connection.disconnect();
      workerConnection.disconnect();
    },
  };
}
