import { describe, expect, test } from 'vitest';
import { assertValidJunit, FIXTURES, run } from './helpers.js';
import { UsageError } from '../../src/errors/errors.js';
import { createResultReporter, type ValidationResult, type ValidationSummary } from '../../src/validate/index.js';

const location = (line: number, column: number) => ({ file: 'gitops/app.yaml', line, column, endLine: line, endColumn: column + 3 });
const RESULTS: ValidationResult[] = [
  {
    resource: { file: 'gitops/app.yaml', documentIndex: 0, apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', location: location(1, 1) },
    status: 'valid',
    diagnostics: [],
  },
  {
    resource: { file: 'gitops/app.yaml', documentIndex: 1, apiVersion: 'ray.io/v1', kind: 'RayService', name: 'llm', location: location(20, 1) },
    status: 'invalid',
    diagnostics: [
      { severity: 'error', location: location(31, 9), message: 'spec.replicas: expected integer, got string "a,b: 100%"', code: 'schema/type' },
      { severity: 'warning', location: location(20, 13), message: 'ray.io/v1alpha1 is deprecated', code: 'schema/deprecated-version' },
    ],
  },
  {
    resource: { file: 'gitops/other.yaml', documentIndex: 0, location: { file: 'gitops/other.yaml', line: 1, column: 1 } },
    status: 'error',
    diagnostics: [{ severity: 'error', location: { file: 'gitops/other.yaml', line: 1, column: 1 }, message: "missing 'kind' key", code: 'manifest/missing-kind' }],
  },
  {
    resource: { file: 'gitops/other.yaml', documentIndex: 1, apiVersion: 'kro.run/v1alpha1', kind: 'WebApp', name: 'w', location: location(3, 1) },
    status: 'skipped',
    diagnostics: [],
  },
];
const SUMMARY: ValidationSummary = { files: 2, resources: 4, valid: 1, invalid: 1, errors: 1, skipped: 1, ok: false };

function render(format: string, verbose = false): string {
  let text = '';
  const reporter = createResultReporter(format, { write: (t: string) => (text += t) }, { verbose });
  for (const result of RESULTS) reporter.write(result);
  void reporter.flush(SUMMARY);
  return text;
}

describe('result reporters', () => {
  test('text: FILE:LINE:COL: message per finding, then the kubeconform summary line', () => {
    expect(render('text')).toBe(
      [
        'gitops/app.yaml:31:9: spec.replicas: expected integer, got string "a,b: 100%"',
        'gitops/app.yaml:20:13: warning: ray.io/v1alpha1 is deprecated',
        "gitops/other.yaml:1:1: missing 'kind' key",
        'Summary: 4 resources found in 2 files - Valid: 1, Invalid: 1, Errors: 1, Skipped: 1',
        '',
      ].join('\n'),
    );
    expect(render('text', true)).toContain('gitops/app.yaml - Deployment web is valid\n');
    expect(render('text', true)).toContain('gitops/other.yaml - WebApp w skipped\n');
  });

  test('json: resources that are not valid, then the summary, as one JSON document', () => {
    const parsed = JSON.parse(render('json'));
    expect(parsed.summary).toEqual(SUMMARY);
    expect(parsed.resources.map((r: { status: string }) => r.status)).toEqual(['invalid', 'error']);
    expect(parsed.resources[0].diagnostics[0]).toEqual({
      severity: 'error',
      code: 'schema/type',
      message: 'spec.replicas: expected integer, got string "a,b: 100%"',
      line: 31,
      column: 9,
      endLine: 31,
      endColumn: 12,
    });
    expect(JSON.parse(render('json', true)).resources).toHaveLength(4);
  });

  test('sarif: SARIF 2.1.0 with one rule per code and a region per finding', () => {
    const sarif = JSON.parse(render('sarif'));
    expect(sarif.version).toBe('2.1.0');
    const [runEntry] = sarif.runs;
    expect(runEntry.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['schema/type', 'schema/deprecated-version', 'manifest/missing-kind']);
    expect(runEntry.results[0]).toEqual({
      ruleId: 'schema/type',
      ruleIndex: 0,
      level: 'error',
      message: { text: 'spec.replicas: expected integer, got string "a,b: 100%"' },
      locations: [{ physicalLocation: { artifactLocation: { uri: 'gitops/app.yaml' }, region: { startLine: 31, startColumn: 9, endLine: 31, endColumn: 12 } } }],
    });
    expect(runEntry.results[1].level).toBe('warning');
    expect(JSON.parse(createdEmpty('sarif')).runs[0].results).toEqual([]);
  });

  test('github: workflow-command annotations with escaped properties and data', () => {
    expect(render('github').split('\n')).toEqual([
      '::error file=gitops/app.yaml,line=31,col=9,endLine=31,endColumn=12,title=schema/type::spec.replicas: expected integer, got string "a,b: 100%25"',
      '::warning file=gitops/app.yaml,line=20,col=13,endLine=20,endColumn=16,title=schema/deprecated-version::ray.io/v1alpha1 is deprecated',
      "::error file=gitops/other.yaml,line=1,col=1,title=manifest/missing-kind::missing 'kind' key",
      'Summary: 4 resources found in 2 files - Valid: 1, Invalid: 1, Errors: 1, Skipped: 1',
      '',
    ]);
  });

  test('junit: one suite per file, failures, errors and skips, valid against kubeconform\'s junit.xsd', async () => {
    const xml = render('junit');
    expect(xml).toContain('<testsuite name="gitops/app.yaml" id="0" tests="2" failures="1" errors="0" skipped="0">');
    expect(xml).toContain('<testsuite name="gitops/other.yaml" id="1" tests="2" failures="0" errors="1" skipped="1">');
    expect(xml).toContain('<failure message="spec.replicas: expected integer, got string &quot;a,b: 100%&quot;" type="schema/type">');
    await assertValidJunit(xml);
    await assertValidJunit(createdEmpty('junit'));
  });

  test('tap: ok / not ok per resource and the plan', () => {
    expect(render('tap').split('\n')).toEqual([
      'TAP version 13',
      'ok 1 - gitops/app.yaml (apps/v1/Deployment//web)',
      'not ok 2 - gitops/app.yaml (ray.io/v1/RayService//llm) - spec.replicas: expected integer, got string "a,b: 100%"',
      'not ok 3 - gitops/other.yaml (///) - missing \'kind\' key',
      'ok 4 - gitops/other.yaml (kro.run/v1alpha1/WebApp//w) # skip',
      '1..4',
      '',
    ]);
  });

  test('an unknown format is a usage error naming the formats', () => {
    expect(() => createResultReporter('yaml', { write: () => undefined })).toThrow(UsageError);
    expect(() => createResultReporter('yaml', { write: () => undefined })).toThrow('use one of text, json, junit, sarif, github, tap');
  });

  test('the reporters stream a real run', async () => {
    let text = '';
    await run([`${FIXTURES}multi_invalid.yaml`], { reporters: [createResultReporter('github', { write: (t: string) => (text += t) })] });
    expect(text).toBe(
      `::error file=${FIXTURES}multi_invalid.yaml,line=12,col=11,endLine=12,endColumn=14,title=schema/type::spec.ports[0].port: expected integer, got string "sds"\n` +
        'Summary: 6 resources found in 1 file - Valid: 5, Invalid: 1, Errors: 0, Skipped: 0\n',
    );
  });
});

function createdEmpty(format: string): string {
  let text = '';
  const reporter = createResultReporter(format, { write: (t: string) => (text += t) });
  void reporter.flush({ files: 0, resources: 0, valid: 0, invalid: 0, errors: 0, skipped: 0, ok: true });
  return text;
}

