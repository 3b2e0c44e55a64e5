import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git, gitopsRepo, type GitopsRepo } from '@ray-gitops/testkit/gitops-repo';
import { afterEach, expect, test } from 'vitest';
import { commitBack, commitBackMessage } from '../../src/index.js';

const BOT = { name: 'ray-gitops-bot', email: 'ray-gitops-bot@users.noreply.example.com' };
const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;
const RACERS = 8;

let repo: GitopsRepo | undefined;
afterEach(async () => {
  await repo?.remove();
});

test(`${RACERS} concurrent commit-backs of different models to one origin all land, none lost, no force-push`, async () => {
  repo = await gitopsRepo('commit-back-race');
  const start = git(repo.bare, 'rev-parse', 'main').trim();
  const models = Array.from({ length: RACERS }, (_, index) => `model-${index}`);
  const clones = models.map((model) => repo!.cloneAgain(model));

  const results = await Promise.all(
    models.map(async (model, index) => {
      const clone = clones[index]!;
      const instance = join(clone, 'gitops', 'workloads', model, 'instance.yaml');
      await mkdir(join(instance, '..'), { recursive: true });
      await writeFile(instance, `# generated\nname: ${model}\n`);
      return commitBack({
        repoDir: clone,
        paths: [join(clone, 'gitops', 'workloads', model)],
        identity: BOT,
        message: commitBackMessage({ models: [model], image: IMAGE }),
        push: true,
        retryDelayMs: 20,
      });
    }),
  );

  expect(results.every((result) => result.committed && result.pushed)).toBe(true);
  // some had to rebase: the race was real
  expect(results.some((result) => result.attempts > 1)).toBe(true);
  const subjects = git(repo.bare, 'log', '--format=%s', `${start}..main`).trim().split('\n');
  expect(subjects.sort()).toEqual(models.map((model) => `render ${model} with ray-vllm@sha256:abababababab`).sort());
  // linear history on top of the starting commit: every push was a fast-forward
  expect(git(repo.bare, 'rev-list', '--merges', `${start}..main`).trim()).toBe('');
  expect(git(repo.bare, 'merge-base', '--is-ancestor', start, 'main')).toBe('');
  const files = git(repo.bare, 'ls-tree', '-r', '--name-only', 'main', 'gitops/workloads').trim().split('\n');
  expect(files).toEqual(models.map((model) => `gitops/workloads/${model}/instance.yaml`).sort());
  // pushes serialise on the remote's ref, so the last of 8 needs 8 attempts; slow on a loaded machine
}, 120_000);
