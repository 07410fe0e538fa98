import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Probot } from "probot";
import type { Intake } from "./queue/intake.js";

/**
 * A guard in front of Probot's webhook middleware, for deliveries that can only be noise or abuse:
 *
 * - a body above GitHub's webhook payload cap (25 MB) is refused with 413 before it is read in full
 *   or hashed (a declared Content-Length above the cap is refused at once; a chunked body as soon
 *   as it passes the cap);
 * - a body whose `X-Hub-Signature-256` does not match the webhook secret is refused with 400 and
 *   one warn line naming the delivery id and the event, instead of Probot's error logs with stack
 *   traces (two per forged request).
 *
 * With an intake (src/queue), a delivery whose signature it verified goes to the intake, which
 * answers it. Every other request goes on to Probot's middleware unchanged, with the body already
 * read (`rawBody`), and Probot verifies the signature again itself.
 */

/** GitHub caps webhook payloads at 25 MB; it never sends more. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;
const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

type Middleware = (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean>;

interface GuardLog {
  warn(obj: object, msg: string): void;
}

export interface WebhookGuardOptions {
  /** The webhook route (Probot's `WEBHOOK_PATH`). */
  path: string;
  /** The webhook secret; without one the signature is left to Probot alone. */
  secret?: string;
  log: GuardLog;
  maxBytes?: number;
  /** Takes verified deliveries (with a secret only: without one, Probot verifies and handles). */
  intake?: Pick<Intake, "accept">;
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
  } catch {
    return undefined;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: ServerResponse, status: number, error: string): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ error }));
}

/** The body, or undefined once it passes `max` bytes (the rest is discarded unread). */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

/** GitHub's `sha256=<hex>` HMAC of the body, compared in constant time. */
export function signatureMatches(secret: string, body: Buffer, signature: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Wrap Probot's node middleware with the guard. */
export function guardWebhooks(inner: Middleware, options: WebhookGuardOptions): Middleware {
  const max = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const route = pathOf(options.path);
  return async (req, res, next) => {
    if (req.method !== "POST" || pathOf(req.url) !== route) return inner(req, res, next);
    const delivery = header(req, "x-github-delivery") ?? null;
    const event = header(req, "x-github-event") ?? null;
    const tooLarge = (bytes: number | null) => {
      options.log.warn({ delivery, event, bytes, limit: max }, "webhook refused: the body is larger than GitHub's webhook payload cap");
      reply(res, 413, `Payload too large: webhook bodies are at most ${max} bytes`);
      req.resume();
      return true;
    };
    const declared = Number(header(req, "content-length"));
    if (Number.isFinite(declared) && declared > max) return tooLarge(declared);
    const body = await readCapped(req, max);
    if (!body) return tooLarge(null);
    const signature = header(req, "x-hub-signature-256");
    // Only a complete webhook request is judged here; Probot answers malformed ones (415, missing headers) itself.
    if (options.secret && signature && event && delivery && !signatureMatches(options.secret, body, signature)) {
      options.log.warn({ delivery, event }, "webhook refused: the signature does not match the webhook secret (WEBHOOK_SECRET)");
      reply(res, 400, "Error: [@octokit/webhooks] signature does not match event payload and secret");
      return true;
    }
    const json = /^\s*application\/json\s*(?:;|$)/.test(header(req, "content-type") ?? "");
    if (options.intake && options.secret && signature && event && delivery && json) {
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString("utf8"));
      } catch {
        reply(res, 400, "Error: the webhook body is not JSON");
        return true;
      }
      if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
        reply(res, 400, "Error: the webhook body is not a JSON object");
        return true;
      }
      const answer = await options.intake.accept({ id: delivery, name: event, payload: payload as Record<string, unknown> });
      res.writeHead(answer.status, { "content-type": answer.body.startsWith("{") ? "application/json" : "text/plain" }).end(answer.body);
      return true;
    }
    // Probot reads a body already taken from the stream from `rawBody` (with an object `body`).
    Object.assign(req, { rawBody: body, body: {} });
    return inner(req, res, next);
  };
}

/**
 * Put the guard in front of the webhook middleware of the server that runs `app` (`probot run`):
 * Probot's Server asks its Probot instance for that middleware when it starts, after loading the
 * app function, so the app function can wrap the instance's getNodeMiddleware.
 */
export function installWebhookGuard(app: Probot, env: NodeJS.ProcessEnv, intake?: Pick<Intake, "accept">): void {
  const original = app.getNodeMiddleware.bind(app);
  app.getNodeMiddleware = async (options: Parameters<Probot["getNodeMiddleware"]>[0] = {}) => {
    const inner = (await original(options)) as unknown as Middleware;
    const guarded = guardWebhooks(inner, {
      path: options.path ?? env.WEBHOOK_PATH ?? DEFAULT_WEBHOOK_PATH,
      ...(env.WEBHOOK_SECRET ? { secret: env.WEBHOOK_SECRET } : {}),
      log: app.log,
      ...(intake ? { intake } : {}),
    });
    return guarded as unknown as Awaited<ReturnType<Probot["getNodeMiddleware"]>>;
  };
}
