import type { Probot } from "probot";
import type { Identity } from "../ports/identity.js";
import type { GitHub } from "../ports/pull-request-context.js";

type Sender = { login?: string; type?: string } | undefined;

/**
 * Recognises the app's own events: GitHub sends a webhook for every check run, comment and label
 * the app writes, with the app's bot (`<slug>[bot]`) as sender. Reacting to them would loop. Other
 * bots (Dependabot, Renovate) still count: their pull requests are governed like anyone's.
 */
export function createSelfFilter(app: Pick<Probot, "auth" | "log">, services: { identity: Identity }): (payload: { sender?: Sender }) => Promise<boolean> {
  return async (payload) => {
    const sender = payload.sender;
    if (!sender?.login || sender.type !== "Bot") return false;
    try {
      const own = await services.identity.botLogin((await app.auth()) as unknown as GitHub);
      return sender.login.toLowerCase() === own.toLowerCase();
    } catch (error) {
      // Unknown for now: process the event (writes are idempotent) and ask again next time.
      app.log.warn({ err: error }, "could not look up the app's slug; set APP_SLUG to skip the lookup");
      return false;
    }
  };
}
