import { RayGitopsError } from '../errors/errors.js';

/** The GitHub REST API refused or failed a request; the message names the call and what to do. */
export class GitHubApiError extends RayGitopsError {
  constructor(
    message: string,
    /** the HTTP status, or undefined when no answer came back */
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** 401/403: the token is missing a permission (or is invalid). */
export class GitHubPermissionError extends GitHubApiError {}

/** 404: no such repository or pull request, or the token cannot see it. */
export class GitHubNotFoundError extends GitHubApiError {}

/** 422: GitHub rejected the request's content (e.g. a body over the size limit). */
export class GitHubValidationError extends GitHubApiError {}

/** The rate limit was still exhausted after the bounded waits. */
export class GitHubRateLimitError extends GitHubApiError {}

/** The pull request's head moved on since the plan was made: the plan describes other code. */
export class StaleHeadError extends RayGitopsError {}
