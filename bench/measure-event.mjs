// Child process of `npm run bench`: CPU time and peak RSS of the built app handling one large event.
// Loads the built app (lib/) into a bare Probot pointed at the bench's fake GitHub, handles a small
// warm-up event (module loading, token exchange, rule compilation), then the measured event.
import { readFileSync } from "node:fs";
import { Probot } from "probot";
import { createApp } from "../lib/app.js";

const [warmupPath, eventPath] = process.argv.slice(2);
const env = process.env;

const probot = new Probot({
  appId: Number(env.BENCH_APP_ID),
  privateKey: readFileSync(env.BENCH_KEY_PATH, "utf8"),
  baseUrl: env.BENCH_API,
  logLevel: "fatal",
});
await probot.load(createApp({ appId: Number(env.BENCH_APP_ID), appSlug: "aims-bot" }), { cwd: process.cwd(), addHandler: () => {} });

const receive = async (path) => {
  const { name, payload } = JSON.parse(readFileSync(path, "utf8"));
  await probot.receive({ id: `bench-${Date.now()}`, name, payload });
};

await receive(warmupPath);
globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await receive(eventPath);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const usage = process.resourceUsage();
process.stdout.write(
  JSON.stringify({
    cpuMs: (cpu.user + cpu.system) / 1000,
    wallMs,
    rssBeforeMb: rssBefore / 1048576,
    peakRssMb: usage.maxRSS / 1024,
  }),
);
