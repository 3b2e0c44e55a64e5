import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeGitHub } from '@ray-gitops/testkit/github-server';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const TOKEN = 'ghs_cliTestToken_mustNeverBePrinted_42';
const HEAD = 'c'.repeat(40);
const ENV = ['GITHUB_TOKEN', 'GITHUB_API_URL', 'GITHUB_REPOSITORY', 'GITHUB_REF', 'GITHUB_EVENT_PATH'] as const;

describe('ray-gitops pr-comment', () => {
  const github = new FakeGitHub(TOKEN);
  const saved = Object.fromEntries(ENV.map((key) => [key, process.env[key]]));
  let dir: string;
  let body: string;

  beforeAll(async () => {
    await github.start();
    dir = await tempDir('ray-gitops-pr-comment-');
    body = join(dir, 'plan.md');
    await writeFile(body, '<!-- ray-gitops-plan -->\n## ray-gitops plan\n\n✅ **Ready to merge**\n');
  });
  afterAll(async () => {
    await github.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const key of ENV) delete process.env[key];
    process.env.GITHUB_TOKEN = TOKEN;
    process.env.GITHUB_API_URL = github.url;
    process.env.GITHUB_REPOSITORY = github.repo;
    github.pulls.set(12, HEAD);
  });
  afterEach(() => {
    for (const key of ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    github.comments.length = 0;
    github.requests.length = 0;
    github.readOnly = false;
  });

  const noToken = (run: { stdout: string; stderr: string }) => {
    expect(run.stdout).not.toContain(TOKEN);
    expect(run.stderr).not.toContain(TOKEN);
  };

  test('creates the comment once, then updates it in place on the next push', async () => {
    const first = await runCli('pr-comment', '--body-file', body, '--pr', '12');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created https:\/\/github\.com\/octo-org\/ray-gitops\/pull\/1#issuecomment-\d+\n$/);
    const second = await runCli('pr-comment', '--body-file', body, '--pr', '12', '--head-sha', HEAD);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout.replace('created', 'updated'));
    expect(second.stderr).toMatch(/updated comment \d+ on octo-org\/ray-gitops#12/);
    expect(github.comments).toHaveLength(1);
    noToken(first);
    noToken(second);
  });

  test('takes the pull request number from the pull_request event when --pr is not given', async () => {
    const event = join(dir, 'event.json');
    await writeFile(event, JSON.stringify({ action: 'synchronize', pull_request: { number: 12 } }));
    process.env.GITHUB_EVENT_PATH = event;
    const run = await runCli('pr-comment', '--body-file', body);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^created /);
  });

  test('refuses, exit 1, when the pull request head is not the planned commit', async () => {
    const run = await runCli('pr-comment', '--body-file', body, '--pr', '12', '--head-sha', 'd'.repeat(40));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`pull request octo-org/ray-gitops#12 is at ${HEAD}, not ${'d'.repeat(40)}`);
    expect(github.writes()).toEqual([]);
  });

  test('a token without write access exits 1 naming the permission, never the token', async () => {
    github.readOnly = true;
    const run = await runCli('pr-comment', '--body-file', body, '--pr', '12');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("'permissions: pull-requests: write'");
    noToken(run);
  });

  test('a rejected token exits 1 without printing it', async () => {
    process.env.GITHUB_TOKEN = `${TOKEN}x`;
    const run = await runCli('pr-comment', '--body-file', body, '--pr', '12');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 401');
    noToken(run);
  });

  test.each([
    ['no token', ['--body-file', 'plan.md', '--pr', '12'], 'set GITHUB_TOKEN', () => delete process.env.GITHUB_TOKEN],
    ['no body file', ['--pr', '12'], '--body-file FILE is required', () => undefined],
    ['a pull number that is not a positive integer', ['--body-file', 'plan.md', '--pr', '12abc'], "pull request number '12abc' must be a positive integer", () => undefined],
    ['a malformed repository', ['--body-file', 'plan.md', '--pr', '12', '--repo', 'octo-org'], "repository 'octo-org' must be OWNER/NAME", () => undefined],
    ['no pull request to guess', ['--body-file', 'plan.md'], 'pass --pr N', () => undefined],
  ])('%s is a usage error (exit 2)', async (_what, args, message, prepare) => {
    prepare();
    const run = await runCli('pr-comment', ...args.map((arg) => (arg === 'plan.md' ? body : arg)));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(github.requests).toEqual([]);
  });
});
