import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { kroCheck } from '../../src/kro-checks/rgd-check.js';
import { argocdCheck } from '../../src/policy/argocd.js';
import { normalizeRepoUrl } from '../../src/policy/repository-urls.js';
import { REFERENCE, run } from '../validate/helpers.js';

const REPO_GITOPS = new URL('../../../../gitops', import.meta.url).pathname;

/** A copy of this repository's rendered gitops/ tree in a temp repo root, to break on purpose. */
function repoCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'argocd-'));
  cpSync(REPO_GITOPS, join(root, 'gitops'), { recursive: true });
  return root;
}

function edit(root: string, file: string, from: string, to: string): string {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  const next = text.replace(from, to);
  writeFileSync(path, next);
  return next;
}

/** What Argo CD syncs (gitops/models and render-settings.yaml are inputs, not Kubernetes objects). */
const SYNCED = ['apps', 'bootstrap', 'platform', 'workloads'];

async function argocd(root: string) {
  const result = await run(SYNCED.map((dir) => join(root, 'gitops', dir)), { repoRoot: root, ignoreMissingSchemas: true, checks: [kroCheck(), argocdCheck()] });
  const findings = result.results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('argocd/'));
  return { ...result, findings, at: findings.map((d) => `${d.location.file.slice(root.length + 1)}:${d.location.line} ${d.code}`) };
}

describe('Argo CD consistency of the gitops tree', () => {
  test("this repository's rendered gitops/ tree is consistent", async () => {
    const root = repoCopy();
    expect((await argocd(root)).findings).toEqual([]);
  });

  test('a source path that does not exist is argocd/source-path at the path', async () => {
    const root = repoCopy();
    const text = edit(root, 'gitops/apps/platform.yaml', 'path: gitops/platform', 'path: gitops/platfrom');
    const { at, findings } = await argocd(root);
    expect(at).toEqual([`gitops/apps/platform.yaml:${text.split('\n').findIndex((l) => l.includes('platfrom')) + 1} argocd/source-path`]);
    expect(findings[0]!.message).toContain('source path gitops/platfrom does not exist in the repository');
  });

  test('an ApplicationSet git generator pattern that matches nothing is argocd/source-path', async () => {
    const root = repoCopy();
    edit(root, 'gitops/apps/models.yaml', 'path: gitops/workloads/*', 'path: gitops/workload/*');
    const { findings } = await argocd(root);
    expect(findings.map((d) => d.code)).toEqual(['argocd/source-path']);
    expect(findings[0]!.message).toContain('matches no directory');
  });

  test('an Application that syncs the catalog is argocd/syncs-catalog (directly or recursively)', async () => {
    const root = repoCopy();
    edit(root, 'gitops/apps/platform.yaml', 'path: gitops/platform', 'path: gitops/models');
    expect((await argocd(root)).findings.map((d) => d.code)).toContain('argocd/syncs-catalog');

    const second = repoCopy();
    edit(second, 'gitops/bootstrap/ray-gitops.yaml', 'path: gitops/apps\n    directory:\n      recurse: false', 'path: gitops\n    directory:\n      recurse: true');
    const { findings } = await argocd(second);
    const catalog = findings.filter((d) => d.code === 'argocd/syncs-catalog');
    expect(catalog).toHaveLength(1);
    expect(catalog[0]!.message).toContain('gitops/models/, the model catalog');

    const excluded = repoCopy();
    edit(excluded, 'gitops/bootstrap/ray-gitops.yaml', 'path: gitops/apps\n    directory:\n      recurse: false', 'path: gitops\n    directory:\n      recurse: true\n      exclude: "models/*"');
    expect((await argocd(excluded)).findings.filter((d) => d.code === 'argocd/syncs-catalog')).toEqual([]);
  });

  test('a generator pattern that reaches gitops/models is argocd/syncs-catalog unless excluded', async () => {
    const root = repoCopy();
    edit(root, 'gitops/apps/models.yaml', 'path: gitops/workloads/*', 'path: gitops/*');
    expect((await argocd(root)).findings.map((d) => d.code)).toContain('argocd/syncs-catalog');
  });

  test('instances synced in the same wave as their RGD are argocd/sync-wave on the instances Application', async () => {
    const root = repoCopy();
    const text = edit(root, 'gitops/apps/models.yaml', 'sync-wave: "0"', 'sync-wave: "-3"');
    const { at, findings, summary } = await argocd(root);
    expect(at).toEqual([`gitops/apps/models.yaml:${text.split('\n').findIndex((l) => l.includes('name: ray-gitops-models')) + 1} argocd/sync-wave`]);
    expect(findings[0]!.message).toContain('syncs RGD instances at sync-wave -3, but Application ray-gitops-platform');
    expect(summary.ok).toBe(false);
    // the finding amends the Application's result: it is still one resource, now invalid
    const clean = await argocd(repoCopy());
    expect(summary.resources).toBe(clean.summary.resources);
    expect(summary.invalid).toBe(1);
  });

  test('an RGD synced before the operators that bring kro is argocd/sync-wave', async () => {
    const root = repoCopy();
    edit(root, 'gitops/apps/platform.yaml', 'sync-wave: "-3"', 'sync-wave: "-5"');
    const { findings } = await argocd(root);
    // one per operator app at that wave: KubeRay, kro and the ACK EKS controller
    expect(findings.map((d) => d.code)).toEqual(['argocd/sync-wave', 'argocd/sync-wave', 'argocd/sync-wave']);
    expect(findings[0]!.message).toContain('syncs ResourceGraphDefinitions at sync-wave -5');
  });

  test('--disable-rule argocd/sync-wave switches the wave check off', async () => {
    const root = repoCopy();
    edit(root, 'gitops/apps/models.yaml', 'sync-wave: "0"', 'sync-wave: "-3"');
    const result = await run(SYNCED.map((dir) => join(root, 'gitops', dir)), { repoRoot: root, ignoreMissingSchemas: true, checks: [kroCheck(), argocdCheck()], disabledRules: ['argocd/sync-wave'] });
    expect(result.summary.ok).toBe(true);
  });

  test("argo-cd's own example ApplicationSets point at argo-cd's repository: their paths are not checked here", async () => {
    const root = repoCopy();
    const examples = ['git-directories-example.yaml', 'git-generator-files.yaml'].map((name) => `${REFERENCE}argo-cd/${name}`);
    const result = await run(examples, { repoRoot: root, ignoreMissingSchemas: true, checks: [argocdCheck()] });
    expect(result.results.flatMap((r) => r.diagnostics)).toEqual([]);
    expect(result.summary.resources).toBe(2);

    // the same ApplicationSet pointed at this repository (its render-settings repoURL) is checked
    const text = readFileSync(examples[0]!, 'utf8').replaceAll('https://github.com/argoproj/argo-cd.git', 'git@github.com:Example-Org/ray-gitops');
    const own = join(root, 'own-appset.yaml');
    writeFileSync(own, text);
    const mine = await run([own], { repoRoot: root, ignoreMissingSchemas: true, checks: [argocdCheck()] });
    expect(mine.results.flatMap((r) => r.diagnostics).map((d) => [d.code, d.location.line])).toEqual([
      ['argocd/source-path', text.split('\n').findIndex((l) => l.includes('- path: applicationset/examples')) + 1],
    ]);
  });

  test('repository URLs compare by host and path, whatever the scheme, user, case or .git', () => {
    const forms = ['https://github.com/Example-Org/ray-gitops.git', 'git@github.com:example-org/ray-gitops', 'ssh://git@github.com/example-org/ray-gitops/', 'github.com/example-org/ray-gitops'];
    expect(new Set(forms.map(normalizeRepoUrl))).toEqual(new Set(['github.com/example-org/ray-gitops']));
    expect(normalizeRepoUrl('https://git.example.com:8443/team/repo.git')).toBe('git.example.com:8443/team/repo');
  });
});
