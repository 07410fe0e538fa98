import type { Delivery } from "./delivery.js";
import type { DeliveryHandler, Intake, IntakeAnswer, IntakeObserver, IntakeStats } from "./intake.js";

/** GitHub gives up on an answer after 10 s; past this the delivery is answered "still processing". */
export const IN_PROCESS_ANSWER_MS = 9_000;

export interface InProcessOptions {
  /** Answer 202 "still processing" after this long (the work goes on). */
  answerAfterMs?: number;
  observer?: IntakeObserver;
  log?: { error: (obj: object, msg: string) => void };
}

/**
 * The embedded intake (no Redis): each delivery is handled in this process before it is answered,
 * 200 when every handler succeeded and 500 when one failed, so GitHub's delivery log shows the
 * failure and the reconciler redelivers it. Nothing is stored: a process that dies loses only
 * deliveries it had not answered yet, which GitHub logs as failed.
 */
export function createInProcessIntake(handle: DeliveryHandler, options: InProcessOptions = {}): Intake {
  const inFlight = new Map<string, { since: number; done: Promise<unknown> }>();
  let closing = false;
  let sequence = 0;
  const answerAfterMs = options.answerAfterMs ?? IN_PROCESS_ANSWER_MS;

  const stats = async (): Promise<IntakeStats> => {
    const oldest = Math.min(Date.now(), ...[...inFlight.values()].map((w) => w.since));
    return { depth: inFlight.size, active: inFlight.size, oldestAgeSeconds: (Date.now() - oldest) / 1000, deadLetters: 0 };
  };

  return {
    kind: "in-process",
    async accept(delivery): Promise<IntakeAnswer> {
      if (closing) return { status: 503, body: JSON.stringify({ error: "shutting down; redeliver this delivery" }) };
      options.observer?.received(delivery.name);
      const slot = `${delivery.id}#${++sequence}`;
      const since = Date.now();
      const work = handle(delivery).then(
        () => {
          options.observer?.finished(delivery.name, "processed", (Date.now() - since) / 1000);
          return { status: 200, body: "ok\n" };
        },
        (error: unknown) => {
          options.observer?.finished(delivery.name, "failed", (Date.now() - since) / 1000);
          options.log?.error({ err: error, delivery: delivery.id, event: delivery.name }, "a handler failed; GitHub shows the delivery as failed and the reconciler redelivers it");
          return { status: 500, body: JSON.stringify({ error: handlerFailure(error) }) };
        },
      );
      const done = work.finally(() => inFlight.delete(slot));
      inFlight.set(slot, { since, done });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stillProcessing = new Promise<IntakeAnswer>((resolve) => {
        timer = setTimeout(() => resolve({ status: 202, body: "still processing\n" }), answerAfterMs);
      });
      try {
        return await Promise.race([done, stillProcessing]);
      } finally {
        clearTimeout(timer);
      }
    },
    stats,
    async health() {
      return { ok: !closing, queue: "in-process", stats: await stats() };
    },
    async deadLetters() {
      return [];
    },
    async close(timeoutMs = 30_000) {
      closing = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight.values()].map((w) => w.done)),
        new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    },
  };
}

/** The first handler error of Probot's AggregateError, as Probot's own middleware reports it. */
export function handlerFailure(error: unknown): string {
  const first = error instanceof AggregateError ? [...error.errors][0] : error;
  if (first instanceof Error) return `${first.name}: ${first.message}`;
  return String(first ?? "an unspecified error occurred");
}
