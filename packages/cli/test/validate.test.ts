import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@ray-gitops/testkit/temp';
import { describe, expect, test } from 'vitest';
import { main } from '../src/main.js';

const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const FIXTURES = `${SHARED}reference/kubeconform-fixtures/`;
const CRDS = `${SHARED}crds/`;

async function validate(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['validate', ...argv], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('ray-gitops validate', () => {
  test('exits 0 and prints the summary when everything is valid', async () => {
    // kubeconform's fixtures use tagged images, which the GPU-workload policy would flag
    const { code, stdout } = await validate(`${FIXTURES}valid.yaml`, `${FIXTURES}multi_valid.yaml`, '--no-policy');
    expect(code).toBe(0);
    expect(stdout).toBe('Summary: 7 resources found in 2 files - Valid: 7, Invalid: 0, Errors: 0, Skipped: 0\n');
  });

  test('exits 1 and prints each finding as FILE:LINE:COL: message on stdout', async () => {
    const { code, stdout } = await validate(`${FIXTURES}invalid.yaml`, '--strict');
    expect(code).toBe(1);
    expect(stdout.split('\n')).toEqual([
      `${FIXTURES}invalid.yaml:6:13: spec.replicas: expected integer, got string "asd\\""`,
      `${FIXTURES}invalid.yaml:9:3: spec.templates: unknown field (not in the ReplicationController schema); remove it or fix its spelling`,
      'Summary: 1 resource found in 1 file - Valid: 0, Invalid: 1, Errors: 0, Skipped: 0',
      '',
    ]);
  });

  test('--crds with --strict catches the duplicate keys of the appmod RayService RGD', async () => {
    const file = `${SHARED}reference/appmod-blueprints/kro-rgd.ray-service.yaml`;
    expect((await validate(file, '--crds', CRDS, '--no-policy')).code).toBe(0);
    const strict = await validate(file, '--crds', CRDS, '--no-policy', '--strict', '--format', 'github');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(`::error file=${file},line=28,col=11,`);
    expect(strict.stdout.match(/title=yaml\/duplicate-key::/g)).toHaveLength(8);
  });

  test('--format json writes one JSON document on stdout and the summary on stderr', async () => {
    const { code, stdout, stderr } = await validate(`${FIXTURES}list_invalid.yaml`, '--format', 'json');
    expect(code).toBe(1);
    const parsed = JSON.parse(stdout);
    expect(parsed.summary).toMatchObject({ resources: 2, valid: 1, invalid: 1 });
    expect(parsed.resources[0].diagnostics[0]).toMatchObject({ line: 26, column: 15, code: 'schema/type' });
    expect(stderr).toBe('Summary: 2 resources found in 1 file - Valid: 1, Invalid: 1, Errors: 0, Skipped: 0\n');
  });

  test('--format sarif is SARIF 2.1.0', async () => {
    const { stdout } = await validate(`${FIXTURES}multi_invalid.yaml`, '--format', 'sarif');
    const sarif = JSON.parse(stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.region).toMatchObject({ startLine: 12, startColumn: 11 });
  });

  test('kinds without a schema fail unless --ignore-missing-schemas; --skip and --reject take kinds', async () => {
    expect((await validate(`${FIXTURES}test_crd.yaml`)).code).toBe(1);
    expect((await validate(`${FIXTURES}test_crd.yaml`, '--ignore-missing-schemas')).code).toBe(0);
    expect((await validate(`${FIXTURES}test_crd.yaml`, '--skip', 'TrainingJob')).code).toBe(0);
    expect((await validate(`${FIXTURES}valid.yaml`, '--reject', 'v1/ReplicationController')).code).toBe(1);
    const located = await validate(`${FIXTURES}test_crd.yaml`, '--schema-location', `${FIXTURES}registry/{{ .ResourceKind }}{{ .KindSuffix }}.json`);
    expect(located.code).toBe(0);
  });

  test('usage errors exit 2: unknown format, bad template, bad version, missing cache or CRD dir', async () => {
    for (const args of [
      ['--format', 'yaml'],
      ['--schema-location', 'foo {{ .Foo }}'],
      ['--kubernetes-version', '1.25'],
      ['--cache', `${FIXTURES}cache_does_not_exist`],
      ['--crds', `${FIXTURES}no-such-crds`],
      ['--workers', 'many'],
      ['--workers', '-1'],
    ]) {
      const { code, stderr } = await validate(`${FIXTURES}valid.yaml`, ...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(/^ray-gitops validate: .+\nRun 'ray-gitops validate --help' for usage\.\n$/);
    }
  });

  test('--workers N spreads the files over worker threads with the same output; 0 keeps one thread', async () => {
    const files = ['valid.yaml', 'multi_valid.yaml', 'invalid.yaml', 'test_crd.yaml'].map((name) => `${FIXTURES}${name}`);
    const one = await validate(...files, '--no-policy', '--workers', '0', '--format', 'json');
    const spread = await validate(...files, '--no-policy', '--workers', '2', '--format', 'json');
    expect(one.code).toBe(1);
    expect(spread).toEqual(one);
  });

  test('--no-policy is accepted (the policy stage registers no check yet)', async () => {
    expect((await validate(`${FIXTURES}valid.yaml`, '--no-policy')).code).toBe(0);
  });

  test('validates gitops/ when no PATH is given', async () => {
    const dir = await tempDir('cli-validate-');
    const cwd = process.cwd();
    try {
      await mkdir(join(dir, 'gitops', 'workloads'), { recursive: true });
      await writeFile(join(dir, 'gitops', 'workloads', 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: llm\n');
      process.chdir(dir);
      const { code, stdout } = await validate();
      expect(code).toBe(0);
      expect(stdout).toBe('Summary: 1 resource found in 1 file - Valid: 1, Invalid: 0, Errors: 0, Skipped: 0\n');
    } finally {
      process.chdir(cwd);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
