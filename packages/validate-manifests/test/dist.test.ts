import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { committedBundle, REPO_ROOT, runAsRunner } from '../../core/test/support/action-runner.js';

const SHARED_CRDS = join(REPO_ROOT, '..', 'shared', 'crds');

describe('validate-manifests bundle run as the Actions runner would', () => {
  test('checks the committed catalog and tree, sets outputs and writes a job summary', async () => {
    const crds = `${SHARED_CRDS}\ngitops/platform`;
    const result = await runAsRunner(committedBundle('validate-manifests'), { action: 'validate-manifests', inputs: { crds } });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ entries: '3', errors: '0' });
    expect(Number(result.outputs.resources)).toBeGreaterThanOrEqual(12);
    expect(result.summary).toContain('## Manifest validation: ✅ passed\n');
    expect(result.summary).toContain('## Catalog check: ✅ passed\n');
    expect(result.summary).toContain('| `qwen2-5-7b-instruct` | Hugging Face `Qwen/Qwen2.5-7B-Instruct@main` | 1× L4 |');
  });

  test('validates real KubeRay samples against the real CRDs', async () => {
    const samples = join(REPO_ROOT, '..', 'shared', 'reference', 'kuberay', 'ray-service.llm-serve.yaml');
    const result = await runAsRunner(committedBundle('validate-manifests'), { action: 'validate-manifests', inputs: { catalog: '', paths: samples, crds: SHARED_CRDS, policy: 'false' } });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ resources: '2', errors: '0' }); // the RayService and its HF token Secret
    expect(result.summary).toContain('## Manifest validation: ✅ passed\n');

    // the upstream sample runs a tagged image: the GPU-workload policy stops it, naming the rule
    const withPolicy = await runAsRunner(committedBundle('validate-manifests'), { action: 'validate-manifests', inputs: { catalog: '', paths: samples, crds: SHARED_CRDS } });
    expect(withPolicy.exitCode).toBe(1);
    expect(withPolicy.stdout).toMatch(/^::error file=[^,]+,line=\d+,col=\d+,.*title=policy\/image-digest::/m);
  });

  test('annotates the offending catalog line and fails the step on a broken entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
    const file = join(dir, 'tiny.yaml');
    await writeFile(file, 'name: tiny\nsource:\n  huggingface:\n    repo: org/tiny\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n');
    const result = await runAsRunner(committedBundle('validate-manifests'), { action: 'validate-manifests', inputs: { catalog: dir, paths: '' } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^::error file=${file},line=7,endLine=7,col=27,endColumn=28::serving.gpu.count is 3; use 1, 2, 4 or 8`, 'm'));
    expect(result.stdout).toContain('::error::1 problem(s) found');
    expect(result.outputs.errors).toBe('1');
    expect(result.summary).toContain(`${file}:7:27:`);
  });

  test('annotates an invalid manifest at its field, writes SARIF and fails the step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifests-'));
    const manifest = join(dir, 'deploy.yaml');
    await writeFile(
      manifest,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: "two"\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec:\n      containers: [{ name: web, image: nginx }]\n',
    );
    const sarifFile = join(dir, 'results.sarif');
    const result = await runAsRunner(committedBundle('validate-manifests'), { action: 'validate-manifests', inputs: { 'catalog': '', 'paths': dir, 'sarif-file': sarifFile, 'policy': 'false' } });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^::error file=${manifest},line=6,col=13`, 'm'));
    expect(result.outputs).toMatchObject({ 'resources': '1', 'errors': '1', 'sarif-file': sarifFile });
    expect(result.summary).toContain('## Manifest validation: ❌ failed: 1 resource(s) failed\n');
    const sarif = JSON.parse(await readFile(sarifFile, 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.results).toHaveLength(1);
  });
});
