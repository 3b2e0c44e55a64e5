import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const CRDS = fileURLToPath(new URL('../../../../shared/crds/', import.meta.url));

// A real git repository in a temp dir: commit 1 has the object, commit 2 changes it; `validate
// --previous HEAD~1` compares each object with its version in commit 1.

const CLUSTER = (managedBy: string) => `apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: raycluster-sample
spec:
  managedBy: ${managedBy}
  headGroupSpec:
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray@sha256:${'a'.repeat(64)}
`;

let repo: string;
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'validate-previous-'));
  git('init', '-q', '-b', 'main');
  mkdirSync(join(repo, 'gitops'));
  writeFileSync(join(repo, 'gitops', 'cluster.yaml'), CLUSTER('ray.io/kuberay-operator'));
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  writeFileSync(join(repo, 'gitops', 'cluster.yaml'), CLUSTER('kueue.x-k8s.io/multikueue'));
  git('commit', '-q', '-am', 'second');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

async function inRepo(...argv: string[]) {
  const before = process.cwd();
  process.chdir(repo);
  try {
    return await runCli('validate', 'gitops', '--crds', CRDS, ...argv);
  } finally {
    process.chdir(before);
  }
}

describe('ray-gitops validate --previous', () => {
  test('a change a transition rule forbids fails against the previous commit, and only with --previous', async () => {
    const plain = await inRepo();
    expect(plain.code).toBe(0);
    const compared = await inRepo('--previous', 'HEAD~1');
    expect(compared.code).toBe(1);
    expect(compared.stdout).toContain('gitops/cluster.yaml:6:14: spec.managedBy: Invalid value: the managedBy field is immutable');
    // compared with itself nothing changed
    expect((await inRepo('--previous', 'HEAD')).code).toBe(0);
  });

  test('a revision that does not exist is one line naming it (and the usage hint), exit 2', async () => {
    const result = await inRepo('--previous', 'no-such-branch');
    expect(result.code).toBe(2);
    const [first, ...rest] = result.stderr.trim().split('\n');
    expect(first).toContain('--previous no-such-branch: no such commit in this repository');
    expect(rest).toEqual(["Run 'ray-gitops validate --help' for usage."]);
    const option = await inRepo('--previous=--upload-pack=touch');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('is not a git revision');
  });
});
