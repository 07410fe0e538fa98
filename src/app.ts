import type { ApplicationFunctionOptions, Probot } from "probot";
import { ASSESSMENT_ISSUE_EVENTS, onAssessmentIssue } from "./handlers/assessment-issue.js";
import { COMMENT_EVENTS, onComment, onRequestedAction, onReview, REVIEW_EVENTS } from "./handlers/oversight.js";
import { onCheckRerequested } from "./handlers/rerequest.js";
import { onPullRequest, PULL_REQUEST_EVENTS } from "./handlers/pull-request.js";
import { settingsFromEnv, type AppSettings } from "./settings.js";

/** The Probot app: registers handlers and nothing else. */
export function createApp(settings: AppSettings = settingsFromEnv()) {
  return (app: Probot, _options?: ApplicationFunctionOptions): void => {
    app.on([...PULL_REQUEST_EVENTS], (context) => onPullRequest(context, settings));
    app.on("check_run.rerequested", (context) => onCheckRerequested(context, settings));
    app.on("check_suite.rerequested", (context) => onCheckRerequested(context, settings));
    app.on([...ASSESSMENT_ISSUE_EVENTS], (context) => onAssessmentIssue(context, settings));
    app.on([...REVIEW_EVENTS], (context) => onReview(context, settings));
    app.on([...COMMENT_EVENTS], (context) => onComment(context, settings));
    app.on("check_run.requested_action", (context) => onRequestedAction(context, settings));
  };
}
