#!/usr/bin/env node
import { EXIT_HANDLER_FAILED, processIo, runAction } from "./main.js";

/** Entry point of the GitHub Action (action.yml runs `node lib/actions/run.js`). */
runAction(process.env).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    processIo.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = EXIT_HANDLER_FAILED;
  },
);
