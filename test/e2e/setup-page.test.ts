import { describe, expect, it } from "@jest/globals";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startApp } from "../support/server.js";

/** A stand-in for the smee.io channel on 127.0.0.1: an event stream that stays open and sends nothing. */
async function eventChannel(): Promise<{ url: string; close: () => Promise<void> }> {
  const open = new Set<ServerResponse>();
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(": ready\n\n");
    open.add(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/aims-setup-channel`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("first start on a fresh clone (no credentials yet)", () => {
  it("offers a registration whose webhook is the development channel, not a placeholder host", async () => {
    const channel = await eventChannel();
    // No APP_ID: Probot serves its setup page. WEBHOOK_PROXY_URL stands for the smee.io channel it would create.
    const app = await startApp({ app: { id: 0 } }, "127.0.0.1:9", { APP_ID: "", PRIVATE_KEY: "", NODE_ENV: "development", WEBHOOK_PROXY_URL: channel.url });
    try {
      const page = await (await fetch(`${app.url}/probot`)).text();
      const manifest = /name="manifest"[^>]*value='([^']*)'/.exec(page);
      expect(manifest).not.toBeNull();
      const json = JSON.parse(manifest![1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
      expect(json.hook_attributes).toEqual({ url: channel.url });
      expect(json.name).toBe("aims-bot");
      expect(json.default_permissions.checks).toBe("write");
      expect(page).not.toContain("example.com");
    } finally {
      await app.stop();
      await channel.close();
    }
  });
});
