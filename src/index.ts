import { createApp } from "./app.js";
import { settingsFromEnv } from "./settings.js";

/** Entry point for `probot run ./lib/index.js` and `probot receive`. */
export default createApp(settingsFromEnv(process.env));
