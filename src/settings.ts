import { readFileSync } from "node:fs";
import { signerFromEnv, type Signer } from "./evidence/signing.js";

/** Process-wide settings read from the environment once at start-up. */
export interface AppSettings {
  /** The GitHub App's id: check runs are looked up among this app's runs only. */
  appId?: number;
  /**
   * The app's slug (`APP_SLUG`); its bot `<slug>[bot]` is the sender of the app's own events,
   * which are ignored. Looked up once through `GET /app` when not set.
   */
  appSlug?: string;
  /** Minutes between reconcile passes (`AIMS_RECONCILE_INTERVAL_MINUTES`); 0 turns the reconciler off. */
  reconcileIntervalMinutes?: number;
  /**
   * Tests only: judge a pull_request event by the PR in its payload instead of re-reading it from
   * GitHub. Never set in production: a late, reordered or replayed delivery would decide the gate.
   */
  trustWebhookPayloads?: boolean;
  /** Signs finalised evidence records and chain heads (`AIMS_SIGNING_KEY` or `AIMS_SIGNING_KEY_FILE`, Ed25519 PEM). */
  signer?: Signer;
  /**
   * The dashboard lists AI on the default branch outside every system (`AIMS_DASHBOARD_INVENTORY`,
   * default on; `off` saves the scan's requests: one tree listing and a bounded number of reads).
   */
  dashboardInventory?: boolean;
  /**
   * Milliseconds the dashboard waits after an evidence change before it is rebuilt, coalescing a
   * burst (`AIMS_DASHBOARD_DEBOUNCE_MS`, default 5000; 0 at once; `off`). Unset: no dashboard.
   */
  dashboardDebounceMs?: number;
}

/** Dashboard debounce when AIMS_DASHBOARD_DEBOUNCE_MS is not set. */
export const DEFAULT_DASHBOARD_DEBOUNCE_MS = 5_000;

function dashboardDebounce(raw: string | undefined): number | undefined {
  const value = raw?.trim();
  if (value === undefined || value === "") return DEFAULT_DASHBOARD_DEBOUNCE_MS;
  if (value.toLowerCase() === "off") return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_DASHBOARD_DEBOUNCE_MS;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): AppSettings {
  const appId = Number(env.APP_ID);
  const slug = env.APP_SLUG?.trim();
  const interval = env.AIMS_RECONCILE_INTERVAL_MINUTES?.trim();
  const minutes = interval === undefined || interval === "" ? undefined : Number(interval);
  const signer = signerFromEnv(env, (path) => readFileSync(path, "utf8"));
  const debounce = dashboardDebounce(env.AIMS_DASHBOARD_DEBOUNCE_MS);
  return {
    ...(debounce !== undefined ? { dashboardDebounceMs: debounce } : {}),
    ...(signer ? { signer } : {}),
    ...(Number.isInteger(appId) && appId > 0 ? { appId } : {}),
    ...(slug ? { appSlug: slug } : {}),
    ...(minutes !== undefined && Number.isFinite(minutes) && minutes >= 0 ? { reconcileIntervalMinutes: minutes } : {}),
    ...(env.AIMS_DASHBOARD_INVENTORY?.trim().toLowerCase() === "off" ? { dashboardInventory: false } : {}),
  };
}
