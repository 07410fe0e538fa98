import type { AppSettings } from "../settings.js";
import type { GitHub } from "./pull-request-context.js";

/** The app's own identity on GitHub: its bot login, and whether a comment or issue is its own. */

const botLogins = new Map<string, Promise<string>>();

/** The app's bot login: `<APP_SLUG>[bot]`, else looked up once per host through GET /app. */
export function appBotLogin(octokit: GitHub, settings: AppSettings = {}): Promise<string> {
  if (settings.appSlug) return Promise.resolve(`${settings.appSlug}[bot]`);
  const base = String((octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? "");
  let p = botLogins.get(base);
  if (!p) {
    p = (async () => {
      // GET /app needs the app's JWT, not the installation token.
      const { token } = await (octokit.auth as (o: { type: "app" }) => Promise<{ token: string }>)({ type: "app" });
      const { data } = await octokit.request("GET /app", { headers: { authorization: `bearer ${token}` } });
      const slug = (data as { slug?: string } | null)?.slug;
      if (!slug) throw new Error("GET /app returned no slug: set APP_SLUG");
      return `${slug}[bot]`;
    })();
    botLogins.set(base, p);
    p.catch(() => botLogins.delete(base));
  }
  return p;
}

/** True when a comment (or issue) was written by the app's own bot: no user can post as `<slug>[bot]`. */
export function isOwnComment(user: { login?: string; type?: string } | null | undefined, botLogin: string): boolean {
  return user?.type === "Bot" && (user.login ?? "").toLowerCase() === botLogin.toLowerCase();
}
