import type { GitHub } from "../ports/pull-request-context.js";

/** GitHub keeps deliveries for redelivery this long on github.com (GHES: 7 days). */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

export interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status: string;
  status_code: number;
  event: string;
  action?: string | null;
  installation_id?: number | null;
  repository_id?: number | null;
}

export interface RedeliveryOptions {
  /** Epoch ms; the window and cool-down are measured from it. */
  now?: number;
  windowMs?: number;
  /** A guid whose last attempt is a redelivery younger than this is left alone (another replica just tried). */
  cooldownMs?: number;
  /** A guid that failed this many times is not redelivered again (a poison delivery); it is reported. */
  maxAttempts?: number;
  /** Redeliveries requested per pass, at most. */
  maxRedeliveries?: number;
  /** Redelivery requests in flight at once. */
  concurrency?: number;
}

export interface RedeliveryReport {
  scanned: number;
  failedGuids: number;
  redelivered: Array<{ guid: string; id: number; event: string }>;
  coolingDown: string[];
  gaveUp: string[];
  errors: Array<{ guid: string; message: string }>;
}

export const isSuccessful = (d: Pick<Delivery, "status_code">): boolean => d.status_code >= 200 && d.status_code < 400;

/**
 * Decide which deliveries to redeliver: group attempts by guid (a redelivery keeps the guid), keep
 * only guids none of whose attempts succeeded, inside the window; redeliver the newest attempt of
 * each. Pure, for tests.
 */
export function planRedeliveries(deliveries: Delivery[], options: RedeliveryOptions = {}): { redeliver: Delivery[]; coolingDown: string[]; gaveUp: string[]; failedGuids: number } {
  const now = options.now ?? Date.now();
  const windowStart = now - (options.windowMs ?? REDELIVERY_WINDOW_MS);
  const cooldown = options.cooldownMs ?? 5 * 60 * 1000;
  const maxAttempts = options.maxAttempts ?? 5;
  const byGuid = new Map<string, Delivery[]>();
  for (const d of deliveries) {
    const list = byGuid.get(d.guid) ?? [];
    list.push(d);
    byGuid.set(d.guid, list);
  }
  const redeliver: Delivery[] = [];
  const coolingDown: string[] = [];
  const gaveUp: string[] = [];
  let failedGuids = 0;
  for (const [guid, attempts] of byGuid) {
    if (attempts.some(isSuccessful)) continue;
    attempts.sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || b.id - a.id);
    const newest = attempts[0]!;
    const oldest = attempts[attempts.length - 1]!;
    // GitHub refuses redelivery of deliveries older than its window.
    if (Date.parse(oldest.delivered_at) < windowStart) continue;
    failedGuids++;
    if (attempts.length >= maxAttempts) {
      gaveUp.push(guid);
      continue;
    }
    if (newest.redelivery && now - Date.parse(newest.delivered_at) < cooldown) {
      coolingDown.push(guid);
      continue;
    }
    redeliver.push(newest);
  }
  redeliver.sort((a, b) => Date.parse(a.delivered_at) - Date.parse(b.delivered_at));
  return { redeliver: redeliver.slice(0, options.maxRedeliveries ?? 500), coolingDown, gaveUp, failedGuids };
}

/**
 * Redeliver failed webhook deliveries of the app (authenticated as the app, with its JWT).
 * Pages through `GET /app/hook/deliveries` (newest first, cursor pagination) until deliveries are
 * older than the window, then `POST /app/hook/deliveries/{id}/attempts` for each planned one.
 * Idempotent by guid: a guid that already has a successful attempt is never redelivered, so
 * replicas running this side by side at worst redeliver a still-failing guid twice, and every
 * handler is level-triggered.
 */
export async function redeliverFailedDeliveries(appOctokit: GitHub, options: RedeliveryOptions = {}): Promise<RedeliveryReport> {
  const now = options.now ?? Date.now();
  const windowStart = now - (options.windowMs ?? REDELIVERY_WINDOW_MS);
  const deliveries: Delivery[] = [];
  for await (const page of appOctokit.paginate.iterator(appOctokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    const items = page.data as unknown as Delivery[];
    deliveries.push(...items);
    if (items.length === 0 || items.some((d) => Date.parse(d.delivered_at) < windowStart)) break;
  }
  const plan = planRedeliveries(deliveries, { ...options, now });
  const report: RedeliveryReport = {
    scanned: deliveries.length,
    failedGuids: plan.failedGuids,
    redelivered: [],
    coolingDown: plan.coolingDown,
    gaveUp: plan.gaveUp,
    errors: [],
  };
  const queue = [...plan.redeliver];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) {
      try {
        await appOctokit.rest.apps.redeliverWebhookDelivery({ delivery_id: d.id });
        report.redelivered.push({ guid: d.guid, id: d.id, event: d.action ? `${d.event}.${d.action}` : d.event });
      } catch (error) {
        report.errors.push({ guid: d.guid, message: (error as Error).message ?? String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  return report;
}
