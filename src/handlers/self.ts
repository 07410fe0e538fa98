import type { Probot } from "probot";

type Sender = { login?: string; type?: string } | undefined;

/**
 * Recognises the app's own events: GitHub sends a webhook for every check run, comment and label
 * the app writes, with the app's bot (`<slug>[bot]`) as sender. Reacting to them would loop. Other
 * bots (Dependabot, Renovate) still count: their pull requests are governed like anyone's.
 */
export function createSelfFilter(app: Pick<Probot, "auth" | "log">, configuredSlug?: string): (payload: { sender?: Sender }) => Promise<boolean> {
  let slug: Promise<string | undefined> | undefined = configuredSlug ? Promise.resolve(configuredSlug.toLowerCase()) : undefined;
  const lookup = async (): Promise<string | undefined> => {
    try {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      return data?.slug?.toLowerCase();
    } catch (error) {
      // Unknown for now: process the event (writes are idempotent) and ask again next time.
      slug = undefined;
      app.log.warn({ err: error }, "could not look up the app's slug; set APP_SLUG to skip the lookup");
      return undefined;
    }
  };
  return async (payload) => {
    const sender = payload.sender;
    if (!sender?.login || sender.type !== "Bot") return false;
    const own = await (slug ??= lookup());
    return own !== undefined && sender.login.toLowerCase() === `${own}[bot]`;
  };
}
