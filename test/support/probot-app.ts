import { ProbotOctokit } from "probot";

/**
 * Probot's Octokit without retries or throttling, so a test sees each request exactly once.
 * The function form of `defaults` is the one that really disables throttling (see TOOLCHAIN.md).
 */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));
