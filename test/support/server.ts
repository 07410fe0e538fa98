import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { FakeGitHub, generateTestPrivateKey, signWebhook } from "./fake-github.js";

export const WEBHOOK_SECRET = "e2e-webhook-secret";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningApp {
  url: string;
  pid: number;
  output: () => string;
  /** SIGTERM, resolved once the process exited (it drains its work first). */
  stop: () => Promise<void>;
  /** SIGKILL: the process dies at once, mid-work. */
  kill: () => Promise<void>;
  /** Send a webhook signed with the app's secret (or `signature` to forge one). */
  send: (event: string, payload: unknown, options?: { signature?: string; delivery?: string }) => Promise<{ status: number; body: string }>;
}

let deliveries = 0;

/**
 * Start the app as users do (`npm start` runs `node lib/server.js`, built by `npm test`) on 127.0.0.1,
 * pointed at the fake GitHub through GHE_HOST.
 */
export async function startApp(fake: { app: Pick<FakeGitHub["app"], "id"> }, host: string, env: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
  // lib/server.js is `probot run` with aims-bot's Octokit (rate-limit retries, pacing, timeouts).
  const child: ChildProcess = spawn(process.execPath, ["./lib/server.js"], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "test",
      APP_ID: String(fake.app.id),
      PRIVATE_KEY: generateTestPrivateKey(),
      WEBHOOK_SECRET,
      GHE_HOST: host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: String(port),
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      // No background reconcile passes unless a test asks; retries wait milliseconds, not seconds.
      AIMS_RECONCILE_INTERVAL_MINUTES: "0",
      AIMS_RETRY_BASE_MS: "5",
      AIMS_WRITE_PACING: "off",
      AIMS_CONTENT_INTERVAL_MS: "0",
      // No dashboard unless a test asks: its background writes would mix with what a test counts.
      AIMS_DASHBOARD_DEBOUNCE_MS: "off",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited early (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`app did not start within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
    send: async (event, payload, options = {}) => {
      const body = JSON.stringify(payload);
      const res = await fetch(`${url}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": options.delivery ?? `e2e-${++deliveries}`,
          "x-hub-signature-256": options.signature ?? signWebhook(WEBHOOK_SECRET, body),
        },
        body,
      });
      return { status: res.status, body: await res.text() };
    },
  };
}

/** Wait until `check` holds, polling; the app answers webhooks before it finishes working. */
export async function eventually<T>(check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What an end-to-end test needs to talk to the running app about one repository: reads of the
 * fake's REST API, the `repository` and `installation` every payload carries, and a signed delivery
 * that must be accepted. `running` is read at call time (tests start both in beforeAll).
 */
export function repoDeliveries(running: () => { fake: FakeGitHub; app: RunningApp }, fullName: string) {
  const get = async (path: string) => (await fetch(`${running().fake.apiBase}${path}`)).json();
  const common = async () => ({ repository: await get(`/repos/${fullName}`), installation: { id: running().fake.installationId } });
  const send = async (name: string, payload: Record<string, unknown>) => {
    const res = await running().app.send(name, payload);
    if (res.status >= 300) throw new Error(`${name} delivery answered ${res.status}: ${res.body}`);
  };
  return { get, common, send };
}
