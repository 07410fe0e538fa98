/** Process-wide settings read from the environment once at start-up. */
export interface AppSettings {
  /** The GitHub App's id: check runs are looked up among this app's runs only. */
  appId?: number;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): AppSettings {
  const appId = Number(env.APP_ID);
  return Number.isInteger(appId) && appId > 0 ? { appId } : {};
}
