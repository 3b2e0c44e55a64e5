import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runAsRunner } from './run-as-runner.js';

describe('validate-manifests bundle run as the Actions runner would', () => {
  test('checks the committed catalog, sets outputs and writes a job summary', async () => {
    const result = await runAsRunner('validate-manifests', { catalog: 'gitops/models' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({ entries: '3', errors: '0' });
    expect(result.summary).toContain('## Catalog check: passed');
    expect(result.summary).toContain('| `qwen2-5-7b-instruct` | Hugging Face `Qwen/Qwen2.5-7B-Instruct@main` | 1× L4 |');
  });

  test('annotates the offending line and fails the step on a broken entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'catalog-'));
    const file = join(dir, 'tiny.yaml');
    await writeFile(file, 'name: tiny\nsource:\n  huggingface:\n    repo: org/tiny\nserving:\n  maxModelLen: 8192\n  gpu: { type: L4, count: 3 }\n');
    const result = await runAsRunner('validate-manifests', { catalog: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^::error file=${file},line=7,endLine=7,col=27,endColumn=28::serving.gpu.count is 3; use 1, 2, 4 or 8`, 'm'));
    expect(result.stdout).toContain('::error::1 error(s) in the catalog');
    expect(result.outputs.errors).toBe('1');
    expect(result.summary).toContain(`${file}:7:27:`);
  });
});

describe.each(['build-image', 'prestage-model', 'render-rgd'])('%s bundle', (action) => {
  test('loads, and fails the step saying the stage is not built yet', async () => {
    const result = await runAsRunner(action, {});
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(`::error::'${action}' is not built yet`);
  });
});
