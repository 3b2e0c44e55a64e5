import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterEach, describe, expect, test } from 'vitest';
import {
  commitBack,
  commitBackMessage,
  CommitBackConflictError,
  PushRejectedError,
  PushRetriesExhaustedError,
  UsageError,
} from '../../src/index.js';

const BOT = { name: 'ray-gitops-bot', email: 'ray-gitops-bot@users.noreply.example.com' };
const PERSON = ['-c', 'user.name=Other Engineer', '-c', 'user.email=other@example.com', '-c', 'commit.gpgsign=false'];
const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', [...PERSON, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

async function write(dir: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), content);
}

/** A bare origin with one commit on main, and two clones of it ("ours" renders, "theirs" races). */
async function origin(): Promise<{ bare: string; ours: string; theirs: string }> {
  const root = await tempDir('commit-back-');
  roots.push(root);
  const bare = join(root, 'origin.git');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  const seed = join(root, 'seed');
  git(root, 'init', '--quiet', '--initial-branch=main', seed);
  await write(seed, 'gitops/models/qwen.yaml', 'name: qwen\n');
  await write(seed, 'gitops/workloads/qwen/instance.yaml', '# generated\nmodel: qwen\nimage: old\n');
  await write(seed, 'README.md', 'hello\n');
  git(seed, 'add', '--all');
  git(seed, 'commit', '--quiet', '-m', 'initial');
  git(seed, 'push', '--quiet', bare, 'main');
  const ours = join(root, 'ours');
  const theirs = join(root, 'theirs');
  git(root, 'clone', '--quiet', bare, ours);
  git(root, 'clone', '--quiet', bare, theirs);
  return { bare, ours, theirs };
}

function log(repo: string, ref = 'main'): string[] {
  return git(repo, 'log', '--format=%an|%s', ref).trim().split('\n');
}

function status(repo: string): string {
  return git(repo, 'status', '--porcelain');
}

const options = (repoDir: string) => ({
  repoDir,
  paths: ['gitops/workloads', 'gitops/platform'],
  identity: BOT,
  message: commitBackMessage({ models: ['qwen'], image: IMAGE }),
  retryDelayMs: 1,
});

describe('commitBack', () => {
  test('makes no commit and pushes nothing when the rendered files did not change', async () => {
    const { bare, ours } = await origin();
    const before = git(bare, 'rev-parse', 'main');
    const result = await commitBack({ ...options(ours), push: true });
    expect(result).toEqual({ committed: false, pushed: false, attempts: 0, files: [] });
    expect(git(ours, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(bare, 'rev-parse', 'main')).toBe(before);
  });

  test('commits only the rendered paths as the bot and pushes the commit to origin', async () => {
    const { bare, ours } = await origin();
    await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nmodel: qwen\nimage: new\n');
    await write(ours, 'gitops/platform/llm-service.rgd.yaml', '# generated\nkind: ResourceGraphDefinition\n');
    await write(ours, 'README.md', 'an unrelated local edit\n');
    const result = await commitBack({ ...options(ours), push: true });
    expect(result).toMatchObject({ committed: true, pushed: true, attempts: 1 });
    expect(result.files).toEqual(['gitops/platform/llm-service.rgd.yaml', 'gitops/workloads/qwen/instance.yaml']);
    expect(git(bare, 'rev-parse', 'main').trim()).toBe(result.commit);
    expect(log(bare)[0]).toBe('ray-gitops-bot|render qwen with ray-vllm@sha256:abababababab');
    expect(git(bare, 'log', '-1', '--format=%ae%n%b', 'main')).toContain(IMAGE);
    expect(git(bare, 'show', '--name-only', '--format=', 'main').trim().split('\n')).toEqual(result.files);
    expect(status(ours)).toBe(' M README.md\n');
  });

  test('commits a deleted rendered file (a removed model) and leaves untouched paths alone', async () => {
    const { bare, ours } = await origin();
    await rm(join(ours, 'gitops/workloads/qwen'), { recursive: true });
    const result = await commitBack({ ...options(ours), paths: ['gitops/workloads/qwen/instance.yaml', 'gitops/workloads/gone/instance.yaml'], push: true });
    expect(result).toMatchObject({ committed: true, pushed: true, files: ['gitops/workloads/qwen/instance.yaml'] });
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n')).toEqual(['README.md', 'gitops/models/qwen.yaml']);
  });

  test('commits without pushing unless asked', async () => {
    const { bare, ours } = await origin();
    const before = git(bare, 'rev-parse', 'main');
    await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nchanged\n');
    const result = await commitBack(options(ours));
    expect(result).toMatchObject({ committed: true, pushed: false, attempts: 0 });
    expect(git(bare, 'rev-parse', 'main')).toBe(before);
    expect(log(ours, 'HEAD')).toHaveLength(2);
  });

  test('rebases onto a branch another clone pushed to first, and pushes: both commits land on origin', async () => {
    const { bare, ours, theirs } = await origin();
    await write(theirs, 'gitops/models/mistral.yaml', 'name: mistral\n');
    git(theirs, 'add', '--all');
    git(theirs, 'commit', '--quiet', '-m', 'add mistral');
    git(theirs, 'push', '--quiet', 'origin', 'main');

    await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nmodel: qwen\nimage: new\n');
    const result = await commitBack({ ...options(ours), push: true });
    expect(result).toMatchObject({ committed: true, pushed: true, attempts: 2 });
    expect(log(bare)).toEqual(['ray-gitops-bot|render qwen with ray-vllm@sha256:abababababab', 'Other Engineer|add mistral', 'Other Engineer|initial']);
    expect(git(bare, 'rev-parse', 'main').trim()).toBe(result.commit);
    expect(status(ours)).toBe('');
  });

  test('a conflicting change on origin raises CommitBackConflictError, pushes nothing and leaves the tree clean', async () => {
    const { bare, ours, theirs } = await origin();
    await write(theirs, 'gitops/workloads/qwen/instance.yaml', '# generated\nmodel: qwen\nimage: theirs\n');
    git(theirs, 'commit', '--quiet', '--all', '-m', 'their render');
    git(theirs, 'push', '--quiet', 'origin', 'main');
    const theirHead = git(bare, 'rev-parse', 'main');

    await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nmodel: qwen\nimage: ours\n');
    const error = await commitBack({ ...options(ours), push: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommitBackConflictError);
    expect(error).toMatchObject({ remote: 'origin', branch: 'main', files: ['gitops/workloads/qwen/instance.yaml'] });
    expect(git(bare, 'rev-parse', 'main')).toBe(theirHead);
    expect(status(ours)).toBe('');
    expect(existsSync(join(ours, git(ours, 'rev-parse', '--git-path', 'rebase-merge').trim()))).toBe(false);
    expect(await readFile(join(ours, 'gitops/workloads/qwen/instance.yaml'), 'utf8')).toContain('image: ours');
    expect(git(ours, 'rev-parse', 'HEAD').trim()).toBe((error as CommitBackConflictError).commit);
  });

  test('gives up with PushRetriesExhaustedError when the branch keeps moving', async () => {
    const { bare, ours, theirs } = await origin();
    await write(theirs, 'gitops/models/mistral.yaml', 'name: mistral\n');
    git(theirs, 'add', '--all');
    git(theirs, 'commit', '--quiet', '-m', 'add mistral');
    git(theirs, 'push', '--quiet', 'origin', 'main');
    const theirHead = git(bare, 'rev-parse', 'main');
    await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nchanged\n');
    await expect(commitBack({ ...options(ours), push: true, maxAttempts: 1 })).rejects.toBeInstanceOf(PushRetriesExhaustedError);
    expect(git(bare, 'rev-parse', 'main')).toBe(theirHead);
  });

  test('a push the remote refuses (a hook) is PushRejectedError, not retried', async () => {
    const { bare, ours } = await origin();
    await write(bare, 'hooks/pre-receive', '#!/bin/sh\necho "branch is protected" >&2\nexit 1\n');
    execFileSync('chmod', ['+x', join(bare, 'hooks/pre-receive')]);
    await write(ours, 'gitops/workloads/qwen/instance.yaml', '# generated\nchanged\n');
    await expect(commitBack({ ...options(ours), push: true })).rejects.toBeInstanceOf(PushRejectedError);
  });

  test('refuses a directory outside any git working tree with a usage error', async () => {
    const root = await tempDir('commit-back-plain-');
    roots.push(root);
    await expect(commitBack({ ...options(root), paths: ['.'] })).rejects.toBeInstanceOf(UsageError);
  });
});

describe('commitBackMessage', () => {
  test('names the models (sorted) and the image in the subject, and the full image in the body', () => {
    expect(commitBackMessage({ models: ['qwen2-5-7b-instruct', 'llama-3-1-8b'], image: IMAGE })).toBe(
      [
        'render llama-3-1-8b, qwen2-5-7b-instruct with ray-vllm@sha256:abababababab',
        '',
        `Image: ${IMAGE}`,
        'Models (2):',
        '- llama-3-1-8b',
        '- qwen2-5-7b-instruct',
        '',
      ].join('\n'),
    );
  });

  test('shortens a long model list in the subject but keeps every model in the body', () => {
    const models = Array.from({ length: 9 }, (_, index) => `model-number-${index}`);
    const [subject, ...body] = commitBackMessage({ models, image: IMAGE }).split('\n');
    expect(subject!.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^render model-number-0, .* and \d+ more with ray-vllm@sha256:abababababab$/);
    for (const model of models) expect(body).toContain(`- ${model}`);
  });
});
