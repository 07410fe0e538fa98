import { createServer, type Server } from "node:http";
import { freePort } from "./server.js";

export interface Balancer {
  url: string;
  /** Where requests go, in turn; replace an entry to point at a restarted replica. */
  targets: string[];
  /** Requests answered by each target URL. */
  served: Map<string, number>;
  stop: () => Promise<void>;
}

/**
 * A round-robin load balancer on 127.0.0.1 in front of several replicas, as a deployment has:
 * a target that refuses the connection (a killed replica) is skipped for the next one; when none
 * answers, 502.
 */
export async function startBalancer(targets: string[]): Promise<Balancer> {
  const port = await freePort();
  const balancer: Balancer = { url: `http://127.0.0.1:${port}`, targets, served: new Map(), stop: async () => undefined };
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && k !== "host" && k !== "content-length")) as Record<string, string>;
      for (let tries = 0; tries < balancer.targets.length; tries++) {
        const target = balancer.targets[next++ % balancer.targets.length]!;
        try {
          const answer = await fetch(`${target}${req.url ?? "/"}`, { method: req.method ?? "GET", headers, ...(body.length > 0 ? { body } : {}) });
          const text = await answer.text();
          balancer.served.set(target, (balancer.served.get(target) ?? 0) + 1);
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" }).end(text);
          return;
        } catch {
          // Connection refused or reset: the replica is down; try the next one.
        }
      }
      res.writeHead(502).end("no replica answered\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  balancer.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return balancer;
}
