/** `aims reconcile` in the CLI's help; kept apart so `aims check` does not load Probot. */
export const RECONCILE_USAGE = `  reconcile  One reconcile pass as the GitHub App (for cron or serverless schedules): redeliver
             failed webhook deliveries, re-evaluate open PRs whose aims checks are missing,
             stale or stuck, finalise evidence of merged or closed PRs
             env: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH; GHE_HOST (+ GHE_PROTOCOL) for GitHub Enterprise
             --no-redeliver            skip webhook redelivery
             --no-pulls                skip the pull request pass
             --cooldown-minutes <n>    leave deliveries redelivered less than n minutes ago (default 5)
             --closed-days <n>         closed PRs updated in the last n days are finalised (default 7)`;
