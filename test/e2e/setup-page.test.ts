import { describe, expect, it } from "@jest/globals";
import { startApp } from "../support/server.js";

describe("first start on a fresh clone (no credentials yet)", () => {
  it("offers a registration whose webhook is the development channel, not a placeholder host", async () => {
    const channel = "http://127.0.0.1:9/aims-setup-channel";
    // No APP_ID: Probot serves its setup page. WEBHOOK_PROXY_URL stands for the smee.io channel it would create.
    const app = await startApp({ app: { id: 0 } }, "127.0.0.1:9", { APP_ID: "", PRIVATE_KEY: "", NODE_ENV: "development", WEBHOOK_PROXY_URL: channel });
    try {
      const page = await (await fetch(`${app.url}/probot`)).text();
      const manifest = /name="manifest"[^>]*value='([^']*)'/.exec(page);
      expect(manifest).not.toBeNull();
      const json = JSON.parse(manifest![1]!.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
      expect(json.hook_attributes).toEqual({ url: channel });
      expect(json.name).toBe("aims-bot");
      expect(json.default_permissions.checks).toBe("write");
      expect(page).not.toContain("example.com");
    } finally {
      await app.stop();
    }
  });
});
