import { GitHubClient, type RateLimitPolicy } from './client.js';
import { GitHubPermissionError, StaleHeadError } from './errors.js';
import { commentMarker, parsePullNumber, parseRepository } from './inputs.js';
import { UsageError } from '../errors/errors.js';

/** Who an Actions job's GITHUB_TOKEN comments as. */
export const GITHUB_ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/** GitHub refuses comment bodies longer than this many characters. */
const GITHUB_COMMENT_LIMIT = 65_536;

export interface UpsertCommentOptions {
  /** e.g. https://api.github.com (GITHUB_API_URL) */
  readonly apiUrl: string;
  readonly token: string;
  /** OWNER/NAME */
  readonly repo: string;
  readonly pullNumber: number | string;
  readonly body: string;
  /** the marker's name; the comment carries `<!-- NAME -->` */
  readonly marker: string;
  /** refuse unless the pull request's head is still this commit */
  readonly expectedHeadSha?: string;
  /**
   * the login a GitHub App installation token comments as, which GET /user cannot tell (it answers 403
   * for such tokens); default github-actions[bot], the GITHUB_TOKEN's. A person's or a machine user's
   * token is looked up with GET /user instead.
   */
  readonly botLogin?: string;
  readonly rateLimit?: RateLimitPolicy;
  readonly onWait?: (message: string) => void;
}

interface UpsertCommentResult {
  readonly action: 'created' | 'updated';
  readonly id: number;
  /** the comment's page, for a person to open */
  readonly url: string;
}

interface IssueComment {
  readonly id: number;
  readonly body?: string | null;
  readonly html_url: string;
  readonly user?: { readonly login?: string; readonly type?: string } | null;
}

/**
 * Keeps one comment per pull request for a marker: the comment the token's own identity wrote with the
 * marker is edited in place, or created when there is none. Anyone else's comment is never edited, even
 * when it carries the marker: a person quoting it, or another bot (another app, a workflow with another
 * token) whose comment would otherwise be overwritten with a plan it never wrote. With `expectedHeadSha`, nothing is written unless the pull request still points at that
 * commit: in a workflow_run job the plan comes from an untrusted artifact and must match the head.
 */
export async function upsertPullRequestComment(options: UpsertCommentOptions): Promise<UpsertCommentResult> {
  const { owner, name } = parseRepository(options.repo);
  const pull = parsePullNumber(options.pullNumber);
  const marker = commentMarker(options.marker);
  const body = options.body.includes(marker) ? options.body : `${marker}\n${options.body}`;
  if (body.length > GITHUB_COMMENT_LIMIT) {
    throw new UsageError(`the comment body is ${body.length} characters; GitHub accepts at most ${GITHUB_COMMENT_LIMIT}; shorten it`);
  }
  const where = `${owner}/${name}#${pull}`;
  const client = new GitHubClient({
    apiUrl: options.apiUrl,
    token: options.token,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.onWait ? { onWait: options.onWait } : {}),
  });

  if (options.expectedHeadSha !== undefined) {
    const expected = options.expectedHeadSha.trim().toLowerCase();
    if (!/^[0-9a-f]{40}$/.test(expected)) throw new UsageError(`head sha '${options.expectedHeadSha}' must be a 40-hex commit sha`);
    const pr = await client.request<{ head?: { sha?: string } }>('GET', `repos/${owner}/${name}/pulls/${pull}`, `reading pull request ${where}`);
    const head = pr.head?.sha;
    if (head !== expected) {
      throw new StaleHeadError(
        `pull request ${where} is at ${head ?? 'an unknown commit'}, not ${expected}, which the plan was made for; ` +
          'not commenting (a newer push runs its own plan)',
      );
    }
  }

  const login = (await tokenLogin(client, options.botLogin ?? GITHUB_ACTIONS_BOT_LOGIN)).toLowerCase();
  const comments = await client.paginate<IssueComment>(`repos/${owner}/${name}/issues/${pull}/comments`, `listing the comments of ${where}`);
  const ours = comments.find((comment) => comment.user?.login?.toLowerCase() === login && (comment.body ?? '').includes(marker));
  if (ours) {
    const updated = await client.request<IssueComment>('PATCH', `repos/${owner}/${name}/issues/comments/${ours.id}`, `updating comment ${ours.id} on ${where}`, { body });
    return { action: 'updated', id: updated.id, url: updated.html_url };
  }
  const created = await client.request<IssueComment>('POST', `repos/${owner}/${name}/issues/${pull}/comments`, `commenting on ${where}`, { body });
  return { action: 'created', id: created.id, url: created.html_url };
}

/**
 * The login the token writes as: GET /user for a person's or a machine user's token; an installation
 * token (GITHUB_TOKEN, a GitHub App's) gets 403 there, and writes as the app's bot, `botLogin`.
 */
async function tokenLogin(client: GitHubClient, botLogin: string): Promise<string> {
  try {
    const user = await client.request<{ login?: unknown }>('GET', 'user', 'reading which account the token belongs to');
    if (typeof user?.login === 'string' && user.login !== '') return user.login;
    return botLogin;
  } catch (error) {
    if (error instanceof GitHubPermissionError && error.status === 403) return botLogin;
    throw error;
  }
}
