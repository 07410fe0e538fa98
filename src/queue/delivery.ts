/**
 * A verified webhook delivery as the intake queue carries it, and what the queue needs to know
 * about it before any handler runs: which pull request it concerns (deliveries of one pull request
 * are handled one at a time across replicas) and whether its only effect is to recompute that pull
 * request from GitHub (such deliveries of one burst share one evaluation). Pure functions over the
 * payload.
 */
export interface Delivery {
  /** `X-GitHub-Delivery`: the GUID, which GitHub keeps when it redelivers. */
  id: string;
  /** `X-GitHub-Event`. */
  name: string;
  payload: Record<string, unknown>;
}

/**
 * Events whose handler does nothing but re-read the pull request from GitHub and publish its gates:
 * two of them for the same pull request, the second received before an evaluation started, need
 * that one evaluation only. Closing (evidence finalisation), review edits (receipts) and comments
 * (commands) each do their own work and are never merged.
 */
const EVALUATION_ONLY = new Set([
  "pull_request.opened",
  "pull_request.reopened",
  "pull_request.synchronize",
  "pull_request.edited",
  "pull_request.ready_for_review",
  "pull_request_review.submitted",
  "pull_request_review.dismissed",
]);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined);

/** `owner/repo#number`, lower case, of the pull request a delivery is about; undefined for other events. */
export function pullRequestKey(delivery: Pick<Delivery, "name" | "payload">): string | undefined {
  const { payload } = delivery;
  const repository = obj(payload.repository)?.full_name;
  if (typeof repository !== "string" || repository === "") return undefined;
  let number: unknown;
  switch (delivery.name) {
    case "pull_request":
    case "pull_request_review":
    case "pull_request_review_comment":
      number = obj(payload.pull_request)?.number ?? payload.number;
      break;
    case "issue_comment": {
      const issue = obj(payload.issue);
      if (issue && obj(issue.pull_request)) number = issue.number;
      break;
    }
    case "check_run":
    case "check_suite": {
      // One pull request only: a commit shared by several is re-evaluated without a key.
      const pulls = obj(payload[delivery.name])?.pull_requests;
      if (Array.isArray(pulls) && pulls.length === 1) number = obj(pulls[0])?.number;
      break;
    }
  }
  return Number.isInteger(number) && (number as number) > 0 ? `${repository}#${number}`.toLowerCase() : undefined;
}

/**
 * True when the delivery's whole effect is one evaluation of its pull request. Deliveries sent by a
 * bot are never merged: the app ignores its own, so one of them standing in for a person's event
 * would drop that event.
 */
export function evaluationOnly(delivery: Pick<Delivery, "name" | "payload">): boolean {
  const action = delivery.payload.action;
  if (typeof action !== "string" || !EVALUATION_ONLY.has(`${delivery.name}.${action}`)) return false;
  return obj(delivery.payload.sender)?.type !== "Bot" && pullRequestKey(delivery) !== undefined;
}
