import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, test } from 'vitest';
import { commitBack, commitBackMessage, GitCommandError, UsageError } from '../../src/index.js';
import { GitHttpServer } from '../support/git-http-server.js';
import { git } from '../support/gitops-repo.js';

const BOT = { name: 'ray-gitops-bot', email: 'ray-gitops-bot@users.noreply.example.com' };
const TOKEN = 'ghs_pushOnlyToken0123456789abcdefABCDEF';
const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;

let server: GitHttpServer | undefined;
let root: string | undefined;
afterEach(async () => {
  await server?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  server = undefined;
  root = undefined;
});

async function write(dir: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), content);
}

/** A bare origin served over smart HTTP that wants the token, and a checkout of it that keeps no credentials. */
async function origin(): Promise<{ bare: string; ours: string }> {
  root = await mkdtemp(join(tmpdir(), 'commit-back-token-'));
  const bare = join(root, 'origin.git');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  const seed = join(root, 'seed');
  git(root, 'init', '--quiet', '--initial-branch=main', seed);
  await write(seed, 'gitops/workloads/qwen/instance.yaml', '# generated\nimage: old\n');
  git(seed, 'add', '--all');
  git(seed, 'commit', '--quiet', '-m', 'initial');
  git(seed, 'push', '--quiet', bare, 'main');
  server = new GitHttpServer(root, TOKEN);
  await server.start();
  const ours = join(root, 'ours');
  // the checkout as actions/checkout leaves it with persist-credentials: false: the token only for the clone itself
  const header = `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`;
  // not execFileSync: the server answers from this same process
  await promisify(execFile)('git', ['-c', header, 'clone', '--quiet', `${server.url}/origin.git`, ours], { cwd: root, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  // meanwhile someone else pushes, so the commit-back must fetch as well as push
  await write(seed, 'gitops/models/other.yaml', 'name: other\n');
  git(seed, 'add', '--all');
  git(seed, 'commit', '--quiet', '-m', 'their change');
  git(seed, 'push', '--quiet', bare, 'main');
  return { bare, ours };
}

const options = (repoDir: string) => ({
  repoDir,
  paths: ['gitops/workloads'],
  identity: BOT,
  message: commitBackMessage({ models: ['qwen'], image: IMAGE }),
  push: true,
  retryDelayMs: 1,
});

test('the token reaches the fetch and the push, and no git config, when the checkout kept no credentials', async () => {
  const { bare, ours } = await origin();
  await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nimage: new\n');
  server!.authorizations.length = 0;

  const result = await commitBack({ ...options(ours), token: TOKEN });

  expect(result).toMatchObject({ committed: true, pushed: true, attempts: 2 });
  expect(git(bare, 'rev-parse', 'main').trim()).toBe(result.commit);
  expect(git(bare, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['render qwen with ray-vllm@sha256:abababababab', 'their change', 'initial']);
  expect(server!.authorizations.filter((header) => header !== undefined).length).toBeGreaterThan(0);
  const config = await readFile(join(ours, '.git', 'config'), 'utf8');
  expect(config).not.toContain(TOKEN);
  expect(config).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
  expect(config.toLowerCase()).not.toContain('extraheader');
});

test('without the token the push is refused by the server: the checkout itself holds none', async () => {
  const { ours } = await origin();
  await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nimage: new\n');
  await expect(commitBack(options(ours))).rejects.toBeInstanceOf(GitCommandError);
});

test('a token is never sent to a plain-http remote off this machine', async () => {
  const { ours } = await origin();
  git(ours, 'remote', 'set-url', 'origin', 'http://git.example.com/origin.git');
  await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nimage: new\n');
  await expect(commitBack({ ...options(ours), token: TOKEN })).rejects.toBeInstanceOf(UsageError);
});
