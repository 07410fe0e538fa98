import type { AppSettings } from "../settings.js";
import type { Identity } from "../ports/identity.js";
import type { GitHub } from "../ports/pull-request-context.js";

/** The app's own identity on GitHub: its bot login, and whether a comment or issue is its own. */

/** Who writes with a workflow's GITHUB_TOKEN (the app running as a GitHub Action). */
export const ACTIONS_BOT = "github-actions[bot]";

const hostOf = (octokit: GitHub) => String((octokit.request.endpoint.DEFAULTS as { baseUrl?: string }).baseUrl ?? "");

/** One identity per process (held by Services): the lookups are cached per GitHub host. */
export function createIdentity(settings: Pick<AppSettings, "appSlug"> = {}): Identity {
  const logins = new Map<string, Promise<string>>();
  return {
    botLogin(octokit) {
      if (settings.appSlug) return Promise.resolve(`${settings.appSlug}[bot]`);
      const host = hostOf(octokit);
      let login = logins.get(host);
      if (!login) {
        login = lookupBotLogin(octokit);
        logins.set(host, login);
        login.catch(() => logins.delete(host));
      }
      return login;
    },
    learn(octokit, login) {
      if (!settings.appSlug) logins.set(hostOf(octokit), Promise.resolve(login));
    },
  };
}

async function lookupBotLogin(octokit: GitHub): Promise<string> {
  const auth = (await (octokit.auth as (o: { type: "app" }) => Promise<{ type?: string; token?: string; tokenType?: string }>)({ type: "app" })) ?? {};
  if (auth.type !== "app" || !auth.token) {
    // A plain token, not app credentials: a workflow token writes as github-actions[bot], a
    // personal token as its user.
    if (auth.tokenType === "oauth" || /^(ghp_|github_pat_)/.test(auth.token ?? "")) {
      const { data } = await octokit.rest.users.getAuthenticated();
      return data.login;
    }
    return ACTIONS_BOT;
  }
  // GET /app needs the app's JWT, not the installation token.
  const { data } = await octokit.request("GET /app", { headers: { authorization: `bearer ${auth.token}` } });
  const slug = (data as { slug?: string } | null)?.slug;
  if (!slug) throw new Error("GET /app returned no slug: set APP_SLUG");
  return `${slug}[bot]`;
}

/** True when a comment (or issue) was written by the app's own bot: no user can post as `<slug>[bot]`. */
export function isOwnComment(user: { login?: string; type?: string } | null | undefined, botLogin: string): boolean {
  return user?.type === "Bot" && (user.login ?? "").toLowerCase() === botLogin.toLowerCase();
}
