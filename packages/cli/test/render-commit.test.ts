import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runCli } from './run-cli.js';
import { git, gitopsRepo as newGitopsRepo, type GitopsRepo } from '../../core/test/support/gitops-repo.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;
const VERSIONS = join(REPO_ROOT, 'docker', 'versions.json');

const repos: GitopsRepo[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(repos.splice(0).map((repo) => repo.remove()));
});

async function gitopsRepo(): Promise<GitopsRepo> {
  const repo = await newGitopsRepo('cli-render-commit');
  repos.push(repo);
  return repo;
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

  test('--commit outside GitHub Actions commits as the local git identity unless --author is given', async () => {
    vi.stubEnv('GITHUB_ACTIONS', '');
    const repo = await gitopsRepo();
    git(repo.clone, 'config', 'user.name', 'Local Person');
    git(repo.clone, 'config', 'user.email', 'local@example.com');
    expect((await render(repo, '--image', IMAGE, '--commit')).code).toBe(0);
    expect(git(repo.clone, 'log', '-1', '--format=%an <%ae>', 'HEAD').trim()).toBe('Local Person <local@example.com>');
    const image = IMAGE.replace(/ab$/, 'cd');
    expect((await render(repo, '--image', image, '--commit', '--author', 'Someone Else <else@example.com>')).code).toBe(0);
    expect(git(repo.clone, 'log', '-1', '--format=%an <%ae>', 'HEAD').trim()).toBe('Someone Else <else@example.com>');
  });

  test('--commit in GitHub Actions without --push commits locally only, as github-actions[bot], leaving catalog edits uncommitted', async () => {
    vi.stubEnv('GITHUB_ACTIONS', 'true');
    const repo = await gitopsRepo();
    await writeFile(join(repo.catalog, 'README.txt'), 'a local note\n');
    const before = git(repo.bare, 'rev-parse', 'main');
    expect((await render(repo, '--image', IMAGE, '--commit')).code).toBe(0);
    expect(git(repo.bare, 'rev-parse', 'main')).toBe(before);
    // the address GitHub links to the github-actions[bot] account
    expect(git(repo.clone, 'log', '-1', '--format=%an <%ae>', 'HEAD').trim()).toBe('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>');
    expect(git(repo.clone, 'status', '--porcelain')).toBe('?? gitops/models/README.txt\n');
  });

  test('a rendered file another clone changed meanwhile is rendered again from the new tip, validated and pushed on top of theirs', async () => {
    const repo = await gitopsRepo();
    expect((await render(repo, '--image', IMAGE, '--push')).code).toBe(0);
    const other = repo.cloneAgain('other');
    const rgd = 'gitops/platform/llm-service.rgd.yaml';
    // their hand edit pins another image on the very line our next render changes: a conflict for a plain rebase
    await writeFile(join(other, rgd), (await readFile(join(other, rgd), 'utf8')).replaceAll(IMAGE, IMAGE.replace(/ab$/, 'ef')));
    git(other, 'commit', '--quiet', '--all', '-m', 'hand edit of the image');
    git(other, 'push', '--quiet', 'origin', 'main');
    const theirs = git(repo.bare, 'rev-parse', 'main').trim();

    const image = IMAGE.replace(/ab$/, 'cd');
    const { code, stderr } = await render(repo, '--image', image, '--push');
    expect(code).toBe(0);
    expect(stderr).toContain('rendering again from the new tip');
    // never a force-push: their commit stays, ours is on top, and the generated file is the render's again
    expect(git(repo.bare, 'rev-parse', 'main~1').trim()).toBe(theirs);
    expect(git(repo.bare, 'show', `main:${rgd}`)).toContain(image);
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
