import { createApp } from "./app.js";

/** Entry point for `probot run ./lib/index.js` and `probot receive`. */
export default createApp();
