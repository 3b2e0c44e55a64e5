// github: the pull-request comment a plan is posted as, over the GitHub REST API (fetch, no SDK).
export { DEFAULT_GITHUB_API_URL, DEFAULT_RATE_LIMIT_POLICY, GitHubClient, rateLimitWaitMs, type GitHubClientOptions, type RateLimitPolicy } from './client.js';
export { GitHubApiError, GitHubNotFoundError, GitHubPermissionError, GitHubRateLimitError, GitHubValidationError, StaleHeadError } from './errors.js';
export { commentMarker, parsePullNumber, parseRepository, type RepositoryName } from './inputs.js';
export { GITHUB_ACTIONS_BOT_LOGIN, GITHUB_COMMENT_LIMIT, upsertPullRequestComment, type UpsertCommentOptions, type UpsertCommentResult } from './upsert-comment.js';
