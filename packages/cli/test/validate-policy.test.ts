import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirSync } from '@ray-gitops/testkit/temp';
import { describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const SHARED = new URL('../../../../shared/', import.meta.url).pathname;
const CRDS = `${SHARED}crds/`;
const REPO = new URL('../../../', import.meta.url).pathname;

function temp(name: string, text: string): string {
  const file = join(tempDirSync('cli-policy-'), name);
  writeFileSync(file, text);
  return file;
}

const sample = readFileSync(`${SHARED}reference/kuberay/ray-service.llm-serve.yaml`, 'utf8')
  .replaceAll('rayproject/ray-llm:2.52.0-py311-cu128', `rayproject/ray-llm@sha256:${'b'.repeat(64)}`);

describe('ray-gitops validate: policy, kro and Argo CD checks', () => {
  test('a pinned KubeRay sample passes with the policy on', async () => {
    const { code, stdout } = await runCli('validate', temp('ok.yaml', sample), '--crds', CRDS);
    expect(stdout).toContain('Invalid: 0, Errors: 0');
    expect(code).toBe(0);
  });

  test('an int rayStartParams value fails with the rule id at FILE:LINE:COL; --no-policy and --disable-rule drop it', async () => {
    const text = sample.replace('num-gpus: "4"', 'num-gpus: 4');
    const file = temp('int.yaml', text);
    const line = text.split('\n').findIndex((l) => l.includes('num-gpus: 4')) + 1;
    const failed = await runCli('validate', file, '--crds', CRDS);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`${file}:${line}:19: rayStartParams.num-gpus is number 4; quote it ("4"): KubeRay only accepts string values [policy/ray-start-params-string]`);
    for (const flags of [['--no-policy'], ['--disable-rule', 'policy/ray-start-params-string'], ['--disable-rule', 'policy']]) {
      const { stdout } = await runCli('validate', file, '--crds', CRDS, ...flags);
      expect(stdout).not.toContain('[policy/');
    }
  });

  test('--format sarif carries the rule ids of policy findings', async () => {
    const text = sample.replace(`rayproject/ray-llm@sha256:${'b'.repeat(64)}`, 'rayproject/ray-llm:latest');
    const { code, stdout } = await runCli('validate', temp('latest.yaml', text), '--crds', CRDS, '--format', 'sarif');
    expect(code).toBe(1);
    expect(stdout).toContain('policy/image-digest');
  });

  test("the repository's rendered RGD passes the kro analysis and the policy", async () => {
    const { code, stdout } = await runCli('validate', join(REPO, 'gitops/platform'), '--crds', CRDS);
    expect(stdout).not.toMatch(/\[(policy|kro)\//);
    expect(code).toBe(0);
  });

  test('--repo-root resolves Argo CD source paths; a missing one fails with argocd/source-path', async () => {
    const root = tempDirSync('cli-argocd-');
    cpSync(join(REPO, 'gitops'), join(root, 'gitops'), { recursive: true });
    const apps = join(root, 'gitops/apps');
    const ok = await runCli('validate', apps, '--crds', CRDS, '--repo-root', root, '--ignore-missing-schemas');
    expect(ok.stdout).not.toContain('[argocd/');
    const platform = join(apps, 'platform.yaml');
    writeFileSync(platform, readFileSync(platform, 'utf8').replace('path: gitops/platform', 'path: gitops/nowhere'));
    const broken = await runCli('validate', apps, '--crds', CRDS, '--repo-root', root, '--ignore-missing-schemas');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('source path gitops/nowhere does not exist in the repository');
    expect(broken.stdout).toContain('[argocd/source-path]');
  });
});
