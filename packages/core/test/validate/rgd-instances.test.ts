import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@ray-gitops/testkit/temp';
import { describe, expect, test } from 'vitest';
import { formatDiagnostic, gitopsChecks, nonManifestPatterns, validateManifests, type ValidationResult } from '../../src/index.js';

const SHARED_CRDS = new URL('../../../../../shared/crds/', import.meta.url).pathname;

async function validateTree(paths: string[], crds: string[]) {
  const results: ValidationResult[] = [];
  const summary = await validateManifests({
    paths,
    crds,
    strict: true,
    checks: gitopsChecks(),
    ignoreFilenamePatterns: nonManifestPatterns('gitops', 'gitops/models'),
    reporters: [{ write: (result) => results.push(result), flush: () => undefined }],
  });
  return { summary, findings: results.flatMap((r) => r.diagnostics.map(formatDiagnostic)) };
}

describe('validating the gitops tree', () => {
  test('the committed tree is valid with the upstream CRDs and the RGD defining its instances', async () => {
    const { summary, findings } = await validateTree(['gitops'], [SHARED_CRDS, 'gitops/platform']);
    expect(findings).toEqual([]);
    expect(summary).toMatchObject({ invalid: 0, errors: 0, skipped: 0 });
    expect(summary.resources).toBeGreaterThanOrEqual(12);
  });

  test('an instance is checked against the CRD kro would generate from the RGD', async () => {
    const dir = await tempDir('instance-');
    const instance = (await readFile('gitops/workloads/qwen2-5-7b-instruct/instance.yaml', 'utf8')).replace(/gpuCount: 1\b/, 'gpuCount: 3');
    expect(instance).toContain('gpuCount: 3');
    await writeFile(join(dir, 'instance.yaml'), instance);
    const { summary, findings } = await validateTree([join(dir, 'instance.yaml')], ['gitops/platform']);
    expect(summary.invalid).toBe(1);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatch(new RegExp(`^${join(dir, 'instance.yaml')}:\\d+:\\d+: spec.gpuCount: `));
  });
});
