#!/usr/bin/env node
import { EXIT_UNFINISHED, EXIT_USAGE, main } from "./main.js";

// Until the command returns, an exit means Node's event loop ran dry while the command still
// awaited something nothing would settle: report that and fail instead of exiting 0 mid-way.
process.exitCode = EXIT_UNFINISHED;
process.on("exit", (code) => {
  if (code === EXIT_UNFINISHED) process.stderr.write("aims: stopped before the command finished (nothing was left to wait for); its work is incomplete\n");
});

main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`aims: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT_USAGE;
  },
);
