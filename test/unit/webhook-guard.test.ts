import { describe, expect, it } from "@jest/globals";
import { createHmac } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { guardWebhooks, signatureMatches } from "../../src/webhook-guard.js";

/** A server with the guard (limit 1 KB) in front of a stand-in for Probot's middleware. */
async function withServer(run: (url: URL, seen: string[], warns: object[]) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const warns: object[] = [];
  const inner = async (req: any, res: any) => {
    seen.push(Buffer.from(req.rawBody).toString("utf8"));
    res.writeHead(200).end("ok");
    return true;
  };
  const guard = guardWebhooks(inner, { path: "/api/github/webhooks", secret: "s3cret", log: { warn: (o) => warns.push(o) }, maxBytes: 1024 });
  const server = createServer((req, res) => void guard(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    await run(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`), seen, warns);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** POST without Content-Length (chunked), writing `chunks` one after another. */
function postChunked(url: URL, headers: Record<string, string>, chunks: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "ECONNRESET" || (e as NodeJS.ErrnoException).code === "EPIPE" ? undefined : reject(e)));
    for (const c of chunks) req.write(c);
    req.end();
  });
}

const sign = (body: string) => `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
const HEADERS = { "x-github-event": "push", "x-github-delivery": "d-1" };

describe("webhook guard", () => {
  it("refuses a chunked body once it passes the cap, without handing it on", async () => {
    await withServer(async (url, seen, warns) => {
      const status = await postChunked(url, { ...HEADERS, "x-hub-signature-256": sign("x") }, Array.from({ length: 8 }, () => "x".repeat(512)));
      expect(status).toBe(413);
      expect(seen).toEqual([]);
      expect(warns).toEqual([expect.objectContaining({ delivery: "d-1", event: "push", limit: 1024 })]);
    });
  });

  it("refuses a forged signature with 400 and one warn, and hands a signed body on as rawBody", async () => {
    await withServer(async (url, seen, warns) => {
      const body = '{"zen":"ok"}';
      expect(await postChunked(url, { ...HEADERS, "x-hub-signature-256": sign("other") }, [body])).toBe(400);
      expect(warns).toEqual([{ delivery: "d-1", event: "push" }]);
      expect(await postChunked(url, { ...HEADERS, "x-hub-signature-256": sign(body) }, [body])).toBe(200);
      expect(seen).toEqual([body]);
    });
  });

  it("compares signatures in constant time and rejects other lengths", () => {
    expect(signatureMatches("s3cret", Buffer.from("a"), sign("a"))).toBe(true);
    expect(signatureMatches("s3cret", Buffer.from("a"), sign("b"))).toBe(false);
    expect(signatureMatches("s3cret", Buffer.from("a"), "sha256=00")).toBe(false);
  });
});
