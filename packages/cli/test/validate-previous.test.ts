import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe('ray-gitops validate --previous HEAD~1 on a commit that narrows the gpuType enum', () => {
  const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
  let rgdRepo: string;
  const gitIn = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: rgdRepo, encoding: 'utf8' });

  beforeAll(() => {
    rgdRepo = mkdtempSync(join(tmpdir(), 'validate-rgd-'));
    gitIn('init', '-q', '-b', 'main');
    for (const file of ['gitops/platform/llm-service.rgd.yaml', ...['llama-3-3-70b-instruct', 'mistral-7b-instruct-v0-3', 'qwen2-5-7b-instruct'].map((m) => `gitops/workloads/${m}/instance.yaml`)]) {
      mkdirSync(join(rgdRepo, file, '..'), { recursive: true });
      writeFileSync(join(rgdRepo, file), readFileSync(join(ROOT, file)));
    }
    gitIn('add', '.');
    gitIn('commit', '-q', '-m', 'render');
    const rgd = join(rgdRepo, 'gitops/platform/llm-service.rgd.yaml');
    const text = readFileSync(rgd, 'utf8');
    expect(text).toContain('enum="T4,A10G,L4,L40S,A100,A100-80GB,H100,H200,B200"');
    writeFileSync(rgd, text.replace('enum="T4,A10G,L4,L40S,A100,A100-80GB,H100,H200,B200"', 'enum="T4,L40S,A100,A100-80GB,H100,H200,B200"'));
    gitIn('commit', '-q', '-am', 'drop A10G and L4');
  });
  afterAll(() => rmSync(rgdRepo, { recursive: true, force: true }));

  test('names the instances that use the removed values, at their gpuType lines', async () => {
    const before = process.cwd();
    process.chdir(rgdRepo);
    try {
      const args = ['validate', 'gitops', '--crds', CRDS, '--crds', 'gitops/platform', '--no-policy'];
      // without --previous the instances fail the narrowed schema, but nothing says kro will refuse the RGD
      const plain = await runCli(...args);
      expect(plain.code).toBe(1);
      expect(plain.stdout).not.toContain('kro/breaking-schema-change');
      const { code, stdout } = await runCli(...args, '--previous', 'HEAD~1');
      expect(code).toBe(1);
      const findings = stdout.split('\n').filter((line) => line.includes('[kro/breaking-schema-change]'));
      const rgdLines = findings.filter((line) => line.startsWith('gitops/platform/llm-service.rgd.yaml:'));
      expect(rgdLines.find((line) => line.includes('"A10G" was removed'))).toContain('LLMService mistral-7b-instruct-v0-3 (gitops/workloads/mistral-7b-instruct-v0-3/instance.yaml:21)');
      expect(rgdLines.find((line) => line.includes('"L4" was removed'))).toContain('LLMService qwen2-5-7b-instruct (gitops/workloads/qwen2-5-7b-instruct/instance.yaml:21)');
      expect(findings.filter((line) => line.startsWith('gitops/workloads/')).map((line) => line.split(': ')[0])).toEqual([
        'gitops/workloads/mistral-7b-instruct-v0-3/instance.yaml:21:12',
        'gitops/workloads/qwen2-5-7b-instruct/instance.yaml:21:12',
      ]);
      expect(stdout).not.toContain('llama-3-3-70b-instruct/instance.yaml:21');
      expect(stdout).toMatch(/Summary: 4 resources found in 4 files - Valid: 1, Invalid: 3/);
    } finally {
      process.chdir(before);
    }
  });
});
