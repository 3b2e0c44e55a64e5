import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FakeGitHub } from './github-server.js';
import { UsageError } from '../../src/errors/errors.js';
import {
  GitHubNotFoundError,
  GitHubPermissionError,
  GitHubRateLimitError,
  StaleHeadError,
  upsertPullRequestComment,
  type UpsertCommentOptions,
} from '../../src/github/index.js';

const TOKEN = 'ghs_fakeInstallationToken0123456789abcdef';
const MARKER = 'ray-gitops-plan';
const TAG = `<!-- ${MARKER} -->`;
const HEAD = 'a'.repeat(40);

describe('upsertPullRequestComment', () => {
  const github = new FakeGitHub(TOKEN);
  beforeAll(() => github.start());
  afterAll(() => github.stop());
  beforeEach(() => {
    github.pulls.set(7, HEAD);
  });
  afterEach(() => {
    github.comments.length = 0;
    github.requests.length = 0;
    github.rateLimited = 0;
    github.readOnly = false;
    github.identity = { kind: 'installation', login: 'github-actions[bot]' };
  });

  const upsert = (overrides: Partial<UpsertCommentOptions> = {}) =>
    upsertPullRequestComment({ apiUrl: github.url, token: TOKEN, repo: github.repo, pullNumber: 7, body: `${TAG}\nplan v1`, marker: MARKER, ...overrides });

  test('the first run creates the comment and the next push updates that same comment', async () => {
    const first = await upsert();
    expect(first.action).toBe('created');
    const second = await upsert({ body: `${TAG}\nplan v2` });
    expect(second).toMatchObject({ action: 'updated', id: first.id, url: first.url });
    const third = await upsert({ body: `${TAG}\nplan v3` });
    expect(third.id).toBe(first.id);
    expect(github.botComments(TAG)).toHaveLength(1);
    expect(github.comments.map((comment) => comment.body)).toEqual([`${TAG}\nplan v3`]);
  });

  test('finds its comment behind several pages of discussion', async () => {
    for (let i = 0; i < 5; i += 1) github.addComment(`looks good ${i}`, { login: 'reviewer', type: 'User' });
    const ours = github.addComment(`${TAG}\nold plan`, { login: 'github-actions[bot]', type: 'Bot' });
    github.addComment('one more thing', { login: 'reviewer', type: 'User' });

    const result = await upsert({ body: `${TAG}\nnew plan` });

    expect(result).toMatchObject({ action: 'updated', id: ours.id });
    expect(github.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues/7/comments')).length).toBe(4);
    expect(github.comments).toHaveLength(7);
  });

  test("never edits a person's comment that quotes the marker", async () => {
    const human = github.addComment(`Why does the bot say this?\n> ${TAG}\n> plan v0`, { login: 'reviewer', type: 'User' });
    const result = await upsert();
    expect(result.action).toBe('created');
    expect(github.comments.find((comment) => comment.id === human.id)!.body).toBe(`Why does the bot say this?\n> ${TAG}\n> plan v0`);
    expect(github.botComments(TAG)).toHaveLength(1);
  });

  test("never edits another bot's comment that carries the marker", async () => {
    const other = github.addComment(`${TAG}\nsomething another app wrote`, { login: 'renovate[bot]', type: 'Bot' });
    const result = await upsert();
    expect(result.action).toBe('created');
    expect(github.comments.find((comment) => comment.id === other.id)!.body).toBe(`${TAG}\nsomething another app wrote`);
    expect(github.writes().map((write) => write.method)).toEqual(['POST']);
    const again = await upsert({ body: `${TAG}\nplan v2` });
    expect(again).toMatchObject({ action: 'updated', id: result.id });
    expect(github.comments.find((comment) => comment.id === other.id)!.body).toBe(`${TAG}\nsomething another app wrote`);
  });

  test('a GitHub App token edits only the comments of the bot login it is told it writes as', async () => {
    github.identity = { kind: 'installation', login: 'acme-deployer[bot]' };
    const actions = github.addComment(`${TAG}\nfrom the default token`, { login: 'github-actions[bot]', type: 'Bot' });
    const ours = github.addComment(`${TAG}\nold plan`, { login: 'acme-deployer[bot]', type: 'Bot' });
    const result = await upsert({ botLogin: 'acme-deployer[bot]' });
    expect(result).toMatchObject({ action: 'updated', id: ours.id });
    expect(github.comments.find((comment) => comment.id === actions.id)!.body).toBe(`${TAG}\nfrom the default token`);
  });

  test("a person's token (GET /user answers) edits that person's marked comment, not the bot's", async () => {
    github.identity = { kind: 'user', login: 'release-engineer' };
    const bot = github.addComment(`${TAG}\nbot plan`, { login: 'github-actions[bot]', type: 'Bot' });
    const mine = github.addComment(`${TAG}\nmy earlier plan`, { login: 'release-engineer', type: 'User' });
    const result = await upsert({ body: `${TAG}\nmy new plan` });
    expect(result).toMatchObject({ action: 'updated', id: mine.id });
    expect(github.comments.find((comment) => comment.id === bot.id)!.body).toBe(`${TAG}\nbot plan`);
  });

  test('adds the marker to a body that lacks it, so the next run finds the comment', async () => {
    await upsert({ body: 'plain body' });
    const again = await upsert({ body: 'plain body, second push' });
    expect(again.action).toBe('updated');
    expect(github.comments.map((comment) => comment.body)).toEqual([`${TAG}\nplain body, second push`]);
  });

  test('refuses to comment when the pull request moved past the planned commit', async () => {
    github.pulls.set(7, 'b'.repeat(40));
    const error = await upsert({ expectedHeadSha: HEAD }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleHeadError);
    expect((error as Error).message).toContain(`is at ${'b'.repeat(40)}, not ${HEAD}`);
    expect(github.writes()).toEqual([]);
  });

  test('comments when the pull request is still at the planned commit', async () => {
    await expect(upsert({ expectedHeadSha: HEAD.toUpperCase() })).resolves.toMatchObject({ action: 'created' });
  });

  test('waits out the rate limit and then succeeds', async () => {
    github.rateLimited = 2;
    const waits: string[] = [];
    const result = await upsert({ onWait: (message) => waits.push(message) });
    expect(result.action).toBe('created');
    expect(waits).toHaveLength(2);
    expect(waits[0]).toMatch(/rate limited \(HTTP 403\); waiting \d+ s \(attempt 1 of 4\)/);
  });

  test('gives up after bounded retries with a message that says when the limit resets', async () => {
    github.rateLimited = 10;
    const error = await upsert({ rateLimit: { attempts: 3, maxWaitMs: 1_000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRateLimitError);
    expect((error as Error).message).toMatch(/rate limit is exhausted \(HTTP 403: API rate limit exceeded.*\); it resets at \d{4}-\d\d-\d\dT.*re-run the job/);
    expect(github.requests).toHaveLength(3);
    expect(github.writes()).toEqual([]);
  });

  test('a read-only token (a fork pull request) fails with what permission is missing', async () => {
    github.readOnly = true;
    const error = await upsert().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubPermissionError);
    expect((error as Error).message).toContain('HTTP 403: Resource not accessible by integration');
    expect((error as Error).message).toContain("'permissions: pull-requests: write'");
    expect((error as Error).message).toContain('workflow_run');
  });

  test('an unknown pull request is a not-found error naming it', async () => {
    const error = await upsert({ pullNumber: 99 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubNotFoundError);
    expect((error as Error).message).toContain('octo-org/ray-gitops#99');
  });

  test('never lets the token into an error, even when the server echoes it', async () => {
    const error = await upsert({ token: `${TOKEN}-revoked` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubPermissionError);
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).stack)).not.toContain(TOKEN);
  });

  test('rejects a malformed repository, pull number, head sha or oversized body before any request', async () => {
    for (const overrides of [
      { repo: 'https://github.com/octo-org/ray-gitops' },
      { repo: 'octo-org' },
      { pullNumber: '7; rm -rf' },
      { pullNumber: 0 },
      { pullNumber: '-3' },
      { expectedHeadSha: 'main' },
      { marker: 'a -->' },
      { body: 'x'.repeat(70_000) },
    ]) {
      await expect(upsert(overrides)).rejects.toBeInstanceOf(UsageError);
    }
    expect(github.requests).toEqual([]);
  });
});
