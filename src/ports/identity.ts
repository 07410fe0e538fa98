import type { GitHub } from "./pull-request-context.js";

/** The app's own identity on GitHub: its bot login. Implemented by src/github/identity.ts. */
export interface Identity {
  /** The app's bot login: `<APP_SLUG>[bot]`, else looked up once per GitHub host. */
  botLogin(octokit: GitHub): Promise<string>;
  /** The author of an issue the app just created: corrects a guess made for a plain token. */
  learn(octokit: GitHub, login: string): void;
}
