import { cell, code } from "../util/markdown.js";
import { short } from "./decide.js";

/**
 * The tracking issue of an AI change pushed without a pull request (pure: markers, wording,
 * parsing). aims-bot opens one per commit in the deployed repository; a governance owner approves
 * the commit with `/aims approve <reason>` on it, which aims-bot records there (a comment of its
 * own, which only the app can write) as a nonconformity of clause 10.2.
 */

export const DIRECT_PUSH_LABEL = "aims:direct-push";

export function trackingMarker(sha: string): string {
  return `<!-- aims:direct-push ${sha} -->`;
}

/** The commit a tracking issue is about, from its hidden marker. */
export function trackedSha(body: string | null | undefined): string | undefined {
  return /^<!-- aims:direct-push ([0-9a-f]{40}) -->/.exec(body ?? "")?.[1];
}

export interface TrackingInput {
  sha: string;
  author: string;
  message: string;
  aiPaths: string[];
  environment: string;
  repository: string;
  webUrl: string;
}

export function trackingTitle(t: Pick<TrackingInput, "sha">): string {
  return `AI change pushed without a pull request: ${short(t.sha)}`;
}

const MAX_LISTED_PATHS = 50;

export function renderTrackingIssue(t: TrackingInput): string {
  const L = [trackingMarker(t.sha), ""];
  L.push(`Commit [${code(short(t.sha))}](${t.webUrl}/${t.repository}/commit/${t.sha}) by @${t.author} reached the branch without a pull request, so neither aims gate judged it. A deployment to ${code(t.environment)} that ships it is rejected until a governance owner approves it here.`);
  L.push("");
  L.push(`Commit message: ${cell(t.message.split("\n")[0] ?? "")}`);
  L.push("");
  L.push(`AI-relevant changes (${t.aiPaths.length}):`);
  for (const p of t.aiPaths.slice(0, MAX_LISTED_PATHS)) L.push(`- ${code(p)}`);
  if (t.aiPaths.length > MAX_LISTED_PATHS) L.push(`- …and ${t.aiPaths.length - MAX_LISTED_PATHS} more`);
  L.push("");
  L.push("### Next step");
  L.push("- A governance owner (`governance.owners` in `.github/aims.yml`) comments `/aims approve <reason>` here. The approval is recorded as a nonconformity (ISO/IEC 42001 clause 10.2); then re-run the deployment job.");
  L.push("- Or revert the commit and bring the change through a pull request.");
  return L.join("\n");
}

const APPROVAL_RE = /<!-- aims:direct-push-approved ([0-9a-f]{40}) by=([A-Za-z0-9-]+(?:\[bot\])?) at=(\S+) -->/;

export function approvalText(a: { sha: string; login: string; at: string; reason: string }): string {
  return [
    `<!-- aims:direct-push-approved ${a.sha} by=${a.login} at=${a.at} -->`,
    `@${a.login} approved commit ${code(short(a.sha))}, pushed without a pull request, for deployment. Recorded as a nonconformity (ISO/IEC 42001 clause 10.2).`,
    "",
    `Reason: ${cell(a.reason)}`,
  ].join("\n");
}

/** The approval the app recorded in one of its comments, for this commit. */
export function approvalOf(body: string, sha: string): { login: string; at: string; reason: string } | undefined {
  const m = APPROVAL_RE.exec(body);
  if (!m || m[1] !== sha) return undefined;
  const reason = /\nReason: (.*)$/s.exec(body)?.[1] ?? "";
  return { login: m[2]!, at: m[3]!, reason };
}
