// github: the pull-request comment a plan is posted as, over the GitHub REST API (fetch, no SDK).
export { DEFAULT_GITHUB_API_URL, GitHubClient, type RateLimitPolicy } from './client.js';
export { GitHubApiError, GitHubNotFoundError, GitHubPermissionError, GitHubRateLimitError, GitHubValidationError, StaleHeadError } from './errors.js';
export { commentMarker, parsePullNumber, parseRepository } from './inputs.js';
export { GITHUB_ACTIONS_BOT_LOGIN, upsertPullRequestComment, type UpsertCommentOptions } from './upsert-comment.js';
