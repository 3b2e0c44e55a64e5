import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { commitRenderedTree, RebasedRenderError, renderCatalog, validateRenderedTree, type RenderCatalogOptions } from '../../src/index.js';
import { REPO_ROOT } from '../support/action-runner.js';
import { git, gitopsRepo, type GitopsRepo } from '../support/gitops-repo.js';

const BOT = { name: 'ray-gitops-bot', email: 'ray-gitops-bot@users.noreply.example.com' };
const OLD_IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'aa'.repeat(32)}`;
const NEW_IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'bb'.repeat(32)}`;
const VERSIONS = join(REPO_ROOT, 'docker', 'versions.json');
const VALIDATION = { crds: [join(REPO_ROOT, '..', 'shared', 'crds')] };
const REMOVED = 'mistral-7b-instruct-v0-3';

let repo: GitopsRepo | undefined;
afterEach(async () => {
  await repo?.remove();
  repo = undefined;
});

const renderOptions = (clone: string, image: string): RenderCatalogOptions => ({
  catalogDir: join(clone, 'gitops', 'models'),
  outDir: join(clone, 'gitops'),
  image,
  versionsFile: VERSIONS,
});

const pushOptions = (options: RenderCatalogOptions) => ({
  outDir: options.outDir!,
  identity: BOT,
  push: true,
  renderOptions: options,
  validation: VALIDATION,
});

/** origin's main with the catalog rendered (old image) and committed, as the previous deploy left it. */
async function deployedOrigin(): Promise<GitopsRepo> {
  const created = await gitopsRepo('commit-rendered');
  const first = await renderCatalog(renderOptions(created.clone, OLD_IMAGE));
  expect(first.ok).toBe(true);
  git(created.clone, 'add', '--all');
  git(created.clone, 'commit', '--quiet', '-m', 'first render');
  git(created.clone, 'push', '--quiet', 'origin', 'main');
  return created;
}

/** Another engineer's change lands on origin first: `change` edits their clone, which is committed and pushed. */
async function theyPush(origin: GitopsRepo, change: (clone: string) => Promise<void>): Promise<string> {
  const theirs = origin.cloneAgain(`theirs-${Math.random().toString(16).slice(2)}`);
  await change(theirs);
  git(theirs, 'add', '--all');
  git(theirs, 'commit', '--quiet', '-m', 'their change');
  git(theirs, 'push', '--quiet', 'origin', 'main');
  return git(origin.bare, 'rev-parse', 'main').trim();
}

const show = (origin: GitopsRepo, path: string) => git(origin.bare, 'show', `main:${path}`);
const files = (origin: GitopsRepo) => git(origin.bare, 'ls-tree', '-r', '--name-only', 'main').trim().split('\n');

describe('commitRenderedTree when the branch moved before the push', () => {
  test('renders again from the new tip: a model removed there is not pushed back, and what lands validates', async () => {
    repo = await deployedOrigin();
    const options = renderOptions(repo.clone, NEW_IMAGE);
    const ours = await renderCatalog(options);
    expect(ours.tree!.models.map((model) => model.name)).toContain(REMOVED);

    // meanwhile a pull request removing the model is merged (the catalog only; the deploy renders)
    await theyPush(repo, (theirs) => rm(join(theirs, 'gitops', 'models', `${REMOVED}.yaml`)));

    const result = await commitRenderedTree(ours, pushOptions(options));

    expect(result).toMatchObject({ committed: true, pushed: true, attempts: 2 });
    expect(git(repo.bare, 'rev-parse', 'main').trim()).toBe(result.commit);
    const tree = files(repo);
    expect(tree.filter((path) => path.includes(REMOVED))).toEqual([]);
    expect(show(repo, 'gitops/platform/llm-service.rgd.yaml')).toContain(NEW_IMAGE);
    const subject = git(repo.bare, 'log', '-1', '--format=%s', 'main');
    expect(subject).not.toContain(REMOVED);
    // the pushed tree is exactly a render of the new tip, and it validates
    const check = repo.cloneAgain('check');
    const again = await renderCatalog({ ...renderOptions(check, NEW_IMAGE), check: true });
    expect(again.plan!.changes).toEqual([]);
    const validated = await validateRenderedTree(join(check, 'gitops'), join(check, 'gitops', 'models'), VALIDATION);
    expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(validated.ok).toBe(true);
  }, 120_000);

  test('keeps a model the new tip added, rendered with our image', async () => {
    repo = await deployedOrigin();
    const options = renderOptions(repo.clone, NEW_IMAGE);
    const ours = await renderCatalog(options);
    await theyPush(repo, async (theirs) => {
      const entry = await readFile(join(theirs, 'gitops', 'models', 'qwen2-5-7b-instruct.yaml'), 'utf8');
      await writeFile(join(theirs, 'gitops', 'models', 'qwen-copy.yaml'), entry.replace(/^name: .*$/m, 'name: qwen-copy'));
    });
    const result = await commitRenderedTree(ours, pushOptions(options));
    expect(result.pushed).toBe(true);
    expect(files(repo)).toContain('gitops/workloads/qwen-copy/instance.yaml');
    expect(git(repo.bare, 'log', '-1', '--format=%b', 'main')).toContain('- qwen-copy');
  }, 120_000);

  test('pushes nothing when the tree rendered from the new tip does not validate', async () => {
    repo = await deployedOrigin();
    const options = renderOptions(repo.clone, NEW_IMAGE);
    const ours = await renderCatalog(options);
    // a hand-written manifest with a field the schema does not have lands in the synced tree
    const tip = await theyPush(repo, (theirs) =>
      writeFile(join(theirs, 'gitops', 'apps', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: default\nspec: {}\n'),
    );
    const error = await commitRenderedTree(ours, pushOptions(options)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RebasedRenderError);
    expect((error as Error).message).toMatch(/^the branch moved and the tree rendered from its new tip fails validation, so nothing was pushed: .*extra\.yaml:6:1/);
    expect(git(repo.bare, 'rev-parse', 'main').trim()).toBe(tip);
  }, 120_000);

  test('pushes nothing when the catalog on the new tip has errors', async () => {
    repo = await deployedOrigin();
    const options = renderOptions(repo.clone, NEW_IMAGE);
    const ours = await renderCatalog(options);
    const tip = await theyPush(repo, (theirs) => writeFile(join(theirs, 'gitops', 'models', 'broken.yaml'), 'name: broken\nserving: 3\n'));
    const error = await commitRenderedTree(ours, pushOptions(options)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RebasedRenderError);
    expect((error as Error).message).toContain('broken.yaml');
    expect(git(repo.bare, 'rev-parse', 'main').trim()).toBe(tip);
    expect(existsSync(join(repo.clone, 'gitops', 'models', 'broken.yaml'))).toBe(true);
  }, 120_000);
});
