import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;
const VERSIONS = join(REPO_ROOT, 'docker', 'versions.json');
const PERSON = ['-c', 'user.name=Platform Engineer', '-c', 'user.email=platform@example.com', '-c', 'commit.gpgsign=false'];

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', [...PERSON, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

/** A bare origin whose main holds the repository's catalog, and a clone of it to render in. */
async function gitopsRepo(): Promise<{ bare: string; clone: string; out: string; catalog: string }> {
  const root = await mkdtemp(join(tmpdir(), 'cli-render-commit-'));
  roots.push(root);
  const bare = join(root, 'origin.git');
  const clone = join(root, 'clone');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(root, 'init', '--quiet', '--initial-branch=main', clone);
  const out = join(clone, 'gitops');
  const catalog = join(out, 'models');
  await mkdir(out, { recursive: true });
  await cp(join(REPO_ROOT, 'gitops', 'models'), catalog, { recursive: true });
  await writeFile(join(out, 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
  git(clone, 'add', '--all');
  git(clone, 'commit', '--quiet', '-m', 'catalog');
  git(clone, 'remote', 'add', 'origin', bare);
  git(clone, 'push', '--quiet', '--set-upstream', 'origin', 'main');
  return { bare, clone, out, catalog };
}

function render(repo: { out: string; catalog: string }, ...args: string[]) {
  return runCli('render', '--catalog', repo.catalog, '--out', repo.out, '--versions', VERSIONS, ...args);
}

describe('ray-gitops render --commit', () => {
  test('--push commits the rendered files as the bot, names the models and the image, and pushes to origin', async () => {
    const repo = await gitopsRepo();
    const { code, stderr } = await render(repo, '--image', IMAGE, '--push', '--author', 'ray-gitops-bot <bot@example.com>');
    expect(stderr).not.toContain('error');
    expect(code).toBe(0);
    expect(stderr).toMatch(/commit-back: pushed [0-9a-f]{12} to origin\/main/);
    expect(git(repo.bare, 'log', '-1', '--format=%an <%ae>|%s', 'main').trim()).toBe(
      'ray-gitops-bot <bot@example.com>|render llama-3-3-70b-instruct, mistral-7b-instruct-v0-3 and 1 more with ray-vllm@sha256:abababababab',
    );
    const body = git(repo.bare, 'log', '-1', '--format=%b', 'main');
    expect(body).toContain(`Image: ${IMAGE}`);
    expect(body).toMatch(/Models \(3\):\n(- \S+\n){3}/);
    const files = git(repo.bare, 'show', '--name-only', '--format=', 'main').trim().split('\n');
    expect(files).toContain('gitops/platform/llm-service.rgd.yaml');
    expect(files).toContain('gitops/workloads/qwen2-5-7b-instruct/instance.yaml');
    expect(files.some((file) => file.startsWith('gitops/models/'))).toBe(false);
    expect(git(repo.clone, 'status', '--porcelain')).toBe('');
  });

  test('a second render with nothing changed makes no commit', async () => {
    const repo = await gitopsRepo();
    expect((await render(repo, '--image', IMAGE, '--push')).code).toBe(0);
    const head = git(repo.bare, 'rev-parse', 'main');
    const again = await render(repo, '--push');
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to commit');
    expect(git(repo.bare, 'rev-parse', 'main')).toBe(head);
  });

  test('--commit without --push commits locally only, as github-actions[bot] by default, leaving catalog edits uncommitted', async () => {
    const repo = await gitopsRepo();
    await writeFile(join(repo.catalog, 'README.txt'), 'a local note\n');
    const before = git(repo.bare, 'rev-parse', 'main');
    expect((await render(repo, '--image', IMAGE, '--commit')).code).toBe(0);
    expect(git(repo.bare, 'rev-parse', 'main')).toBe(before);
    expect(git(repo.clone, 'log', '-1', '--format=%an', 'HEAD').trim()).toBe('github-actions[bot]');
    expect(git(repo.clone, 'status', '--porcelain')).toBe('?? gitops/models/README.txt\n');
  });

  test('a rendered file that conflicts with what another clone pushed fails with a clear message and pushes nothing', async () => {
    const repo = await gitopsRepo();
    expect((await render(repo, '--image', IMAGE, '--push')).code).toBe(0);
    const other = join(repo.clone, '..', 'other');
    git(join(repo.clone, '..'), 'clone', '--quiet', repo.bare, other);
    const rgd = 'gitops/platform/llm-service.rgd.yaml';
    // their hand edit pins another image on the very line our next render changes
    await writeFile(join(other, rgd), (await readFile(join(other, rgd), 'utf8')).replaceAll(IMAGE, IMAGE.replace(/ab$/, 'ef')));
    git(other, 'commit', '--quiet', '--all', '-m', 'hand edit of the image');
    git(other, 'push', '--quiet', 'origin', 'main');
    const theirs = git(repo.bare, 'rev-parse', 'main');

    const image = IMAGE.replace(/ab$/, 'cd');
    const { code, stderr } = await render(repo, '--image', image, '--push');
    expect(code).toBe(1);
    expect(stderr).toContain('ray-gitops render: the rendered files conflict with changes pushed to origin/main meanwhile');
    expect(stderr).toContain(rgd);
    expect(git(repo.bare, 'rev-parse', 'main')).toBe(theirs);
    expect(git(repo.clone, 'status', '--porcelain')).toBe('');
  });

  test('refuses --check with --commit, and an author that is not NAME <EMAIL>', async () => {
    const repo = await gitopsRepo();
    expect((await render(repo, '--image', IMAGE, '--check', '--commit')).code).toBe(2);
    const bad = await render(repo, '--image', IMAGE, '--commit', '--author', 'bot');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("must look like 'NAME <EMAIL>'");
  });
});
