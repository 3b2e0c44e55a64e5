import { GitHubApiError, GitHubNotFoundError, GitHubPermissionError, GitHubRateLimitError, GitHubValidationError } from './errors.js';
import { UsageError } from '../errors/errors.js';
import { retryAfterMs } from '../net/index.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

/** How long to wait out a rate limit: a few tries, never longer than `maxWaitMs` in one wait. */
export interface RateLimitPolicy {
  readonly attempts: number;
  readonly maxWaitMs: number;
}

const DEFAULT_RATE_LIMIT_POLICY: RateLimitPolicy = { attempts: 4, maxWaitMs: 120_000 };

/** Pages of 100 items; 100 pages is far past any real pull request's comments. */
const MAX_PAGES = 100;

interface GitHubClientOptions {
  /** API base URL; GITHUB_API_URL in Actions (GitHub Enterprise Server: https://HOST/api/v3) */
  readonly apiUrl: string;
  readonly token: string;
  readonly rateLimit?: RateLimitPolicy;
  /** called before each wait for a rate limit, to say so in the log */
  readonly onWait?: (message: string) => void;
}

/**
 * A small GitHub REST client over fetch: bearer token, JSON in and out, rate-limit waits, pagination
 * by `Link: rel="next"`, and errors typed by status. The token is sent only to the API's own origin
 * and masked out of every message, whatever GitHub echoes back.
 */
export class GitHubClient {
  private readonly base: URL;

  constructor(private readonly options: GitHubClientOptions) {
    if (options.token === '') throw new UsageError('no GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: ${{ github.token }})');
    try {
      this.base = new URL(options.apiUrl.replace(/\/+$/, '') + '/');
    } catch {
      throw new UsageError(`GitHub API URL '${options.apiUrl}' is not a URL; set GITHUB_API_URL to e.g. ${DEFAULT_GITHUB_API_URL}`);
    }
  }

  /** One request; `path` is relative to the API base, e.g. `repos/o/r/pulls/1`. */
  async request<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    return (await this.send<T>(method, new URL(path, this.base), what, body)).data;
  }

  /** Every item of a list endpoint, following `Link: rel="next"` on the API's own origin. */
  async paginate<T>(path: string, what: string): Promise<T[]> {
    const items: T[] = [];
    let url: URL | undefined = new URL(path, this.base);
    url.searchParams.set('per_page', '100');
    for (let page = 0; url !== undefined; page += 1) {
      if (page === MAX_PAGES) throw new GitHubApiError(`${what}: more than ${MAX_PAGES} pages; giving up`, undefined);
      const response: { data: T[]; headers: Headers } = await this.send<T[]>('GET', url, what);
      if (!Array.isArray(response.data)) throw new GitHubApiError(`${what}: GitHub answered with something other than a list`, undefined);
      items.push(...response.data);
      url = this.nextPage(response.headers.get('link'));
    }
    return items;
  }

  private nextPage(header: string | null): URL | undefined {
    const match = header?.split(',').map((part) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)).find(Boolean);
    if (!match) return undefined;
    const next = new URL(match[1]!, this.base);
    // the token goes to the API's origin only, whatever a Link header says
    if (next.origin !== this.base.origin) throw new GitHubApiError(`GitHub's next-page link points at another host (${next.origin}); not following it`, undefined);
    return next;
  }

  private async send<T>(method: string, url: URL, what: string, body?: unknown): Promise<{ data: T; headers: Headers }> {
    const policy = this.options.rateLimit ?? DEFAULT_RATE_LIMIT_POLICY;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: {
            'accept': 'application/vnd.github+json',
            'authorization': `Bearer ${this.options.token}`,
            'user-agent': 'ray-gitops',
            'x-github-api-version': '2022-11-28',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new GitHubApiError(this.mask(`${what}: cannot reach the GitHub API at ${this.base.origin} (${(error as Error).message}); check GITHUB_API_URL and the network`), undefined, { cause: error });
      }
      if (response.ok) {
        return { data: await parseBody<T>(response, what), headers: response.headers };
      }
      const message = await errorMessage(response);
      const wait = rateLimitWaitMs(response);
      if (wait === undefined) throw this.statusError(response.status, what, message);
      const resetAt = new Date(Date.now() + wait).toISOString();
      if (attempt >= policy.attempts || wait > policy.maxWaitMs) {
        throw new GitHubRateLimitError(
          this.mask(`${what}: GitHub's rate limit is exhausted (HTTP ${response.status}${message ? `: ${message}` : ''}); it resets at ${resetAt}, re-run the job after that`),
          response.status,
        );
      }
      this.options.onWait?.(`${what}: rate limited (HTTP ${response.status}); waiting ${Math.ceil(wait / 1000)} s (attempt ${attempt} of ${policy.attempts})`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private statusError(status: number, what: string, message: string): GitHubApiError {
    const said = message ? `: ${message}` : '';
    switch (status) {
      case 401:
        return new GitHubPermissionError(this.mask(`${what}: GitHub rejected the token (HTTP 401${said}); check GITHUB_TOKEN`), status);
      case 403:
        return new GitHubPermissionError(
          this.mask(
            `${what}: the token may not do this (HTTP 403${said}); the job needs 'permissions: pull-requests: write', ` +
              'and for pull requests from forks the comment must be posted by a workflow_run workflow, not the pull_request one',
          ),
          status,
        );
      case 404:
        return new GitHubNotFoundError(this.mask(`${what}: not found (HTTP 404${said}); check the repository and pull request number, and that the token can read them`), status);
      case 422:
        return new GitHubValidationError(this.mask(`${what}: GitHub rejected the request (HTTP 422${said})`), status);
      default:
        return new GitHubApiError(this.mask(`${what}: GitHub answered HTTP ${status}${said}; try again later`), status);
    }
  }

  private mask(text: string): string {
    return text.split(this.options.token).join('***');
  }
}

/**
 * Milliseconds to wait when the answer is a rate limit, else undefined. GitHub signals the primary
 * limit with 403 or 429 and `x-ratelimit-remaining: 0` (wait until `x-ratelimit-reset`, epoch
 * seconds), secondary limits with `retry-after` (seconds); with neither, its docs say wait a minute.
 */
function rateLimitWaitMs(response: Response, now = Date.now()): number | undefined {
  if (response.status !== 403 && response.status !== 429) return undefined;
  const retryAfter = retryAfterMs(response.headers, now);
  if (retryAfter !== undefined) return retryAfter;
  if (response.headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - now) : 60_000;
  }
  return response.status === 429 ? 60_000 : undefined;
}

async function parseBody<T>(response: Response, what: string): Promise<T> {
  const text = await response.text();
  try {
    return (text === '' ? undefined : JSON.parse(text)) as T;
  } catch (error) {
    throw new GitHubApiError(`${what}: GitHub answered HTTP ${response.status} with a body that is not JSON; is GITHUB_API_URL the REST API?`, response.status, { cause: error });
  }
}

/** GitHub's `message` (and the first validation error) from an error body, kept short. */
async function errorMessage(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return '';
  }
  try {
    const body = JSON.parse(text) as { message?: unknown; errors?: { message?: unknown }[] };
    const detail = Array.isArray(body.errors) && typeof body.errors[0]?.message === 'string' ? ` (${body.errors[0].message})` : '';
    return typeof body.message === 'string' ? `${body.message}${detail}`.slice(0, 300) : '';
  } catch {
    return text.trim().slice(0, 200);
  }
}
