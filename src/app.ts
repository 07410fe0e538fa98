import type { ApplicationFunctionOptions, Context, Probot } from "probot";
import { ASSESSMENT_ISSUE_EVENTS, onAssessmentIssue } from "./handlers/assessment-issue.js";
import { MERGE_GROUP_EVENTS, onMergeGroup } from "./handlers/merge-group.js";
import { refreshPullRequest, startSpeculativeReads } from "./handlers/fresh.js";
import { pullRequestRef, type PullRequestContext } from "./ports/pull-request-context.js";
import { createPullRequestContext } from "./github/octokit-context.js";
import { onPolicyPush } from "./handlers/policy-push.js";
import { COMMENT_EVENTS, onComment, onRequestedAction, onReview, REVIEW_EVENTS } from "./handlers/oversight.js";
import { onCheckRerequested } from "./handlers/rerequest.js";
import { ELIGIBILITY_EVENTS, onEligibilityChanged } from "./handlers/eligibility.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { onQueryComment, QUERY_EVENTS } from "./handlers/query.js";
import { onDefaultBranchPush, scheduleDashboardUpdate } from "./handlers/dashboard.js";
import { createSelfFilter } from "./handlers/self.js";
import { DEPLOYMENT_EVENTS, onDeploymentProtectionRule, onTrackingComment, TRACKING_COMMENT_EVENTS } from "./handlers/deployment.js";
import { startReconciler } from "./reconcile/index.js";
import { createServices, type Services } from "./services.js";
import type { AppSettings } from "./settings.js";

export interface AppOptions {
  /** Start the reconciler (src/reconcile) with the app: the server does, tests and serverless do not. */
  reconcileOnStart?: boolean;
  /** The process's services; built from the settings when not given. */
  services?: Services;
}

/** Minutes between reconcile passes when AIMS_RECONCILE_INTERVAL_MINUTES is not set. */
export const DEFAULT_RECONCILE_MINUTES = 60;

/** The Probot app: registers handlers and nothing else. */
export function createApp(appSettings: AppSettings, options: AppOptions = {}) {
  return (app: Probot, _options?: ApplicationFunctionOptions): void => {
    // Built per Probot instance: a test's app shares no locks, caches or listeners with another's.
    const services = options.services ?? createServices(appSettings);
    const { settings } = services;
    // The app never reacts to its own events (check runs, comments, labels it wrote): every
    // handler goes through this filter.
    const isOwn = createSelfFilter(app, services);
    const on = <E extends Parameters<Probot["on"]>[0]>(events: E, handler: (context: any) => Promise<unknown>): void => {
      app.on(events, async (context: Context) => {
        if (await isOwn(context.payload as { sender?: { login?: string; type?: string } })) {
          context.log.debug({ event: context.name }, "ignored the app's own event");
          return;
        }
        await handler(context);
      });
    };
    on([...PULL_REQUEST_EVENTS], async (context) => {
      let speculative: PullRequestContext | undefined;
      if (!settings.trustWebhookPayloads) {
        // GitHub's copy is read alongside the reads every evaluation makes from the payload's copy.
        speculative = createPullRequestContext(context.octokit, pullRequestRef(context.payload.pull_request, context.repo()), services);
        startSpeculativeReads(speculative);
        await refreshPullRequest(context);
      }
      await onPullRequest(context, services, speculative);
    });
    on("check_run.rerequested", (context) => onCheckRerequested(context, services));
    on("check_suite.rerequested", (context) => onCheckRerequested(context, services));
    on([...ASSESSMENT_ISSUE_EVENTS], (context) => onAssessmentIssue(context, services));
    on([...REVIEW_EVENTS], (context) => onReview(context, services));
    on([...COMMENT_EVENTS], (context) => onComment(context, services));
    on([...QUERY_EVENTS], (context) => onQueryComment(context, services));
    on("check_run.requested_action", (context) => onRequestedAction(context, services));
    on([...MERGE_GROUP_EVENTS], (context) => onMergeGroup(context, services));
    on("push", (context) => {
      void onDefaultBranchPush(services, context.octokit, context.payload, { log: app.log });
      return onPolicyPush(context, services);
    });
    on([...ELIGIBILITY_EVENTS], (context) => onEligibilityChanged(context, services));
    on([...DEPLOYMENT_EVENTS], (context) => onDeploymentProtectionRule(context, services));
    on([...TRACKING_COMMENT_EVENTS], (context) => onTrackingComment(context, services));

    // The dashboard issue follows the evidence ledger's writes (debounced per repository).
    services.evidenceEvents.on("dashboard", (change) => void scheduleDashboardUpdate(services, change.octokit, change.source, { log: app.log, ...(change.written ? { written: change.written } : {}) }));

    const minutes = settings.reconcileIntervalMinutes ?? DEFAULT_RECONCILE_MINUTES;
    if (options.reconcileOnStart && minutes > 0) startReconciler(app, services, minutes);
  };
}
