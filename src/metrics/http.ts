import type { IncomingMessage, ServerResponse } from "node:http";
import type { Intake } from "../queue/intake.js";
import type { Metrics } from "./index.js";

/**
 * `GET /healthz`: 200 with the queue's state when the intake can take deliveries (with Redis: Redis
 * answers), 503 otherwise; `GET /metrics`: Prometheus text. `/ping` (Probot's) stays the liveness
 * probe: it answers whatever Redis does.
 */
export function operationsHandler(intake: Pick<Intake, "health">, metrics: Pick<Metrics, "registry">) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET") return false;
    const path = (req.url ?? "/").replace(/\?.*$/, "");
    if (path === "/healthz") {
      const health = await intake.health();
      res.writeHead(health.ok ? 200 : 503, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify(health));
      return true;
    }
    if (path === "/metrics") {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType, "cache-control": "no-store" }).end(text);
      return true;
    }
    return false;
  };
}
