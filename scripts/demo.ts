// `npm run demo`: aims-bot without a GitHub account. Starts the real server (lib/server.js) against a
// GitHub simulator on 127.0.0.1 and plays one governed change from opening to merge, printing each
// check as a pull request shows it and writing every step's rendered Markdown to an HTML page (markdown-it).
// Options: --out <dir> (default demo-output). It stops by itself; exit 0 when every step happened.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import MarkdownIt from "markdown-it";
import { verifyCommand } from "../src/cli/audit.js";
import { assessmentMarkdown } from "../test/support/assessments.js";
import { FakeGitHub, type FakeCheckRun, type FakeRepo } from "../test/support/fake-github.js";
import { eventually, repoDeliveries, startApp, type RunningApp } from "../test/support/server.js";

const POLICY = `systems:
  - id: recommender
    name: Product recommender
    paths: ["models/**"]
    risk: limited
assessment:
  assessors:
    users: ["carol"]
oversight:
  tiers:
    limited:
      users: ["carol"]
`;
const ASSESSMENT = "governance/impact-assessments/recommender.md";
const CHECKS = ["aims/impact-assessment", "aims/human-oversight"];

const { values } = parseArgs({ options: { out: { type: "string", default: "demo-output" } } });
const out = resolve(values.out!);
mkdirSync(out, { recursive: true });

// The check summaries hold GitHub's own HTML (<sub>), rendered as GitHub renders it; user text in them is escaped.
const markdown = new MarkdownIt({ html: true, linkify: false });
const pages: Array<{ file: string; title: string }> = [];
function page(title: string, text: string): void {
  const file = `${String(pages.length + 1).padStart(2, "0")}-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}.html`;
  const html = `<!doctype html>\n<meta charset="utf-8">\n<title>${title}</title>\n<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}pre,code{background:#f4f4f4}</style>\n${markdown.render(text)}`;
  writeFileSync(join(out, file), html);
  pages.push({ file, title });
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

const fake = new FakeGitHub();
const { url, host } = await fake.start();
let app: RunningApp | undefined;
try {
  const repo: FakeRepo = fake.addRepo("acme/shop", {
    files: { ".github/aims.yml": POLICY, "README.md": "# Shop\n", [ASSESSMENT]: assessmentMarkdown({ approver: "carol", systems: ["recommender"], risk: "limited" }) },
  });
  fake.setPermission(repo, "carol", "write");
  app = await startApp(fake, host);
  const running = app;
  const { get, common, send } = repoDeliveries(() => ({ fake, app: running }), "acme/shop");
  const pullEvent = async (action: string, number: number, sender = "alice") =>
    send("pull_request", { action, number, pull_request: await get(`/repos/acme/shop/pulls/${number}`), ...(await common()), sender: { login: sender, type: "User" } });

  /** Both checks on a commit once each has the expected conclusion; printed and written as one page. */
  async function checks(step: string, sha: string, expected: [string, string]): Promise<FakeCheckRun[]> {
    const runs = await Promise.all(
      CHECKS.map((name, i) => eventually(() => fake.checkRunsFor(repo, { headSha: sha, name }).find((r) => r.conclusion === expected[i]), 30_000)),
    );
    say(`\n━━ ${step}`);
    const lines = [`# ${step}`];
    for (const r of runs) {
      say(`\n${r.name}: ${r.conclusion} — ${r.output.title}\n\n${r.output.summary ?? ""}`);
      lines.push(`## ${r.name}: ${r.conclusion} — ${r.output.title}`, r.output.summary ?? "");
    }
    page(step, lines.join("\n\n"));
    return runs;
  }

  say(`aims-bot demo: the app on ${running.url}, a GitHub simulator on ${url}; pages go to ${out}`);

  // 1. A pull request that changes no AI system passes both checks.
  fake.commit(repo, { branch: "docs", files: { "README.md": "# Shop\n\nHow to run the shop.\n" } });
  const docs = fake.addPullRequest(repo, { head: "docs", user: "alice", title: "Document how to run the shop" });
  await pullEvent("opened", docs.number);
  await checks("A documentation change passes", docs.head.sha, ["success", "success"]);

  // 2. A new model is blocked with the next steps.
  fake.commit(repo, { branch: "ranker", files: { "models/ranker.onnx": "\u0000ONNX ranker weights\u0001" } });
  const model = fake.addPullRequest(repo, { head: "ranker", user: "alice", title: "Add the ranking model" });
  await pullEvent("opened", model.number);
  await checks("A new model is blocked", model.head.sha, ["action_required", "action_required"]);

  // 3. The author links the approved impact assessment in the description.
  model.issue.body = `Adds the ranking model.\n\nImpact-Assessment: ${ASSESSMENT}\n`;
  await pullEvent("edited", model.number);
  await checks("The assessment is linked", model.head.sha, ["success", "action_required"]);

  // 4. An eligible reviewer signs off by approving.
  const review = fake.addReview(repo, model.number, { user: "carol", state: "APPROVED", body: "Checked the evaluation report and the rollback plan." });
  await send("pull_request_review", {
    action: "submitted",
    review: { id: review.id, user: { login: "carol", type: "User" } },
    pull_request: await get(`/repos/acme/shop/pulls/${model.number}`),
    ...(await common()),
    sender: { login: "carol", type: "User" },
  });
  await checks("Signed off by the reviewer", model.head.sha, ["success", "success"]);

  // 5. Merged: the evidence record is finalised into the hash chain.
  fake.mergePull(repo, model.number, "carol");
  await pullEvent("closed", model.number, "carol");
  const record = await eventually(
    () => [...repo.issues.values()].find((i) => !i.isPull && i.labels.includes("aims:evidence") && i.labels.includes("state:merged") && i.state === "closed"),
    30_000,
  );
  say(`\n━━ Merged: evidence record #${record.number} “${record.title}”\nlabels: ${record.labels.join(", ")}`);
  page("Evidence record", `# Evidence record #${record.number}: ${record.title}\n\nLabels: ${record.labels.map((l) => `\`${l}\``).join(" ")}\n\n${record.body ?? ""}`);

  // 6. An auditor verifies the chain with the command line.
  let verified = "";
  let errors = "";
  const code = await verifyCommand(["--repo", "acme/shop"], {
    cwd: process.cwd(),
    stdout: (t) => (verified += t),
    stderr: (t) => (errors += t),
    env: { GITHUB_TOKEN: "demo", GITHUB_API_URL: url },
    progress: { write: () => undefined },
  });
  say(`\n━━ aims verify --repo acme/shop (exit ${code})\n${verified}`);
  page("aims verify", `# aims verify --repo acme/shop\n\nExit code ${code}.\n\n\`\`\`\n${verified}\`\`\``);
  if (code !== 0) throw new Error(`aims verify found a problem: ${errors}`);

  writeFileSync(join(out, "index.html"), `<!doctype html>\n<meta charset="utf-8">\n<title>aims-bot demo</title>\n<h1>aims-bot demo</h1>\n<ol>\n${pages.map((p) => `<li><a href="${p.file}">${p.title}</a></li>`).join("\n")}\n</ol>\n`);
  say(`\nDone: ${pages.length} steps written to ${join(out, "index.html")}`);
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n${app ? app.output().slice(-4000) : ""}\n`);
  process.exitCode = 1;
} finally {
  await app?.stop();
  await fake.stop();
}
