import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseCel, inferCelType } from '../../src/kro/cel-analysis.js';
import { analyzeRgd } from '../../src/kro/rgd-analysis.js';
import { kroCheck } from '../../src/kro-checks/rgd-check.js';
import { CRDS, REFERENCE, run } from '../validate/helpers.js';

const KRO_FIXTURES = `${REFERENCE}kro-fixtures/`;
const REPO_RGD = new URL('../../../../gitops/platform/llm-service.rgd.yaml', import.meta.url).pathname;

function rgdFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return rgdFiles(path);
    return name === 'rgd.yaml' ? [path] : [];
  });
}

/** A minimal valid RGD around `resources` (YAML, indented for spec.resources) with `schema` fields. */
function rgd(resources: string, schema = '      name: string\n      replicas: integer | default=1\n      tags: "[]string"\n      labels: map[string]string\n      enabled: boolean', status = ''): string {
  return `apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: test-graph
spec:
  schema:
    apiVersion: v1alpha1
    kind: TestGraph
    spec:
${schema}
${status}
  resources:
${resources}`;
}

const DEPLOYMENT = `  - id: deployment
    template:
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: \${schema.spec.name}
      spec:
        replicas: \${schema.spec.replicas}
        selector:
          matchLabels: { app: web }
        template:
          metadata:
            labels: { app: web }
          spec:
            containers:
              - name: web
                image: nginx
`;

async function analyze(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'kro-'));
  const file = join(dir, 'rgd.yaml');
  writeFileSync(file, text);
  const { results } = await run([file], { crds: [CRDS], checks: [kroCheck()] });
  const diagnostics = results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('kro/'));
  return { file, diagnostics, errors: diagnostics.filter((d) => d.severity === 'error'), text };
}

function line(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  expect(index, `'${needle}' in the test RGD`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('every valid kro fixture RGD passes the analysis', () => {
  const files = [...rgdFiles(`${KRO_FIXTURES}e2e-chainsaw`), ...rgdFiles(`${KRO_FIXTURES}upgrade-fixtures`), REPO_RGD];
  test('there are fixtures', () => expect(files.length).toBeGreaterThan(25));
  test.each(files.map((f) => [f.replace(KRO_FIXTURES, ''), f]))('%s', async (_name, file) => {
    const { results } = await run([file], { crds: [CRDS], checks: [kroCheck()] });
    const errors = results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('kro/') && d.severity === 'error');
    expect(errors).toEqual([]);
  });

  test('the fixture with the allow-unknown CRD type-checks once that CRD is given', async () => {
    const dir = `${KRO_FIXTURES}e2e-chainsaw/check-unknown-fields/`;
    const { results } = await run([`${dir}rgd.yaml`], { crds: [CRDS, `${dir}allow-unknown-crd.yaml`], checks: [kroCheck()] });
    expect(results.flatMap((r) => r.diagnostics).filter((d) => d.code.startsWith('kro/'))).toEqual([]);
  });

  test('kro orders the unknown-fields fixture example → configmap, as its rgd-assert says', async () => {
    const { parseDocument } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const object = parseDocument(readFileSync(`${KRO_FIXTURES}e2e-chainsaw/check-unknown-fields/rgd.yaml`, 'utf8')).toJS() as Record<string, unknown>;
    expect(analyzeRgd(object).order).toEqual(['example', 'configmap']);
  });
});

describe("the controller's invalid-graph cases (kro EXPECTED.md), with the same meaning", () => {
  test('status field without an expression: "status fields without expressions are not supported"', async () => {
    const r = await analyze(rgd(DEPLOYMENT, undefined, '    status:\n      ready: "true"\n      count: 3'));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/status', 'kro/status']);
    expect(r.errors[0]!.message).toContain('status fields without expressions are not supported');
    expect(r.errors[0]!.location.line).toBe(line(r.text, 'ready: "true"'));
  });

  test('unknown resource type: "schema not found" (a warning: the CRD may come from elsewhere)', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('kind: Deployment', 'kind: NoSuchThing').replace('apps/v1', 'example.com/v1')));
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['kro/template-schema', 'warning']]);
    expect(r.diagnostics[0]!.message).toContain('schema not found for NoSuchThing');
  });

  test('resource id with an operator: "naming convention violation"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('id: deployment', 'id: my-deployment')));
    expect(r.errors[0]).toMatchObject({ code: 'kro/resource-id', location: { line: line(r.text, 'id: my-deployment') } });
    expect(r.errors[0]!.message).toContain('naming convention violation');
    expect(r.errors[0]!.message).toContain('e.g. myDeployment');
  });

  test.each(['Test_Resource', 'Test-Resource', 'Test.Resource', 'testResource'])('kind %s: "is not a valid KRO kind name"', async (kind) => {
    const r = await analyze(rgd(DEPLOYMENT).replace('kind: TestGraph', `kind: ${kind}`));
    expect(r.errors.find((d) => d.code === 'kro/kind-name')?.message).toContain('is not a valid KRO kind name');
  });

  test('template without apiVersion/kind: "is not a valid Kubernetes object"', async () => {
    const r = await analyze(rgd('  - id: thing\n    template:\n      metadata:\n        name: x\n      data: {}\n'));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/template']);
    expect(r.errors[0]!.message).toContain('is not a valid Kubernetes object');
  });

  test('cluster-scoped resource with a namespace: "cluster-scoped and must not set metadata.namespace"', async () => {
    const r = await analyze(rgd('  - id: role\n    template:\n      apiVersion: rbac.authorization.k8s.io/v1\n      kind: ClusterRole\n      metadata:\n        name: ${schema.spec.name}\n        namespace: default\n      rules: []\n'));
    expect(r.errors[0]).toMatchObject({ code: 'kro/template', location: { line: line(r.text, 'namespace: default') } });
    expect(r.errors[0]!.message).toContain('ClusterRole is cluster-scoped and must not set metadata.namespace');
  });

  test('bad CEL in readyWhen and includeWhen: "failed to parse readyWhen/includeWhen expressions"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('    template:', '    includeWhen:\n      - ${schema.spec.enabled ==}\n    readyWhen:\n      - ${deployment.status.(}\n    template:')));
    expect(r.errors.map((d) => [d.code, d.location.line])).toEqual([
      ['kro/cel-syntax', line(r.text, 'enabled ==')],
      ['kro/cel-syntax', line(r.text, 'status.(')],
    ]);
    expect(r.errors[0]!.message).toContain('failed to parse includeWhen expressions');
    expect(r.errors[1]!.message).toContain('failed to parse readyWhen expressions');
  });

  test('includeWhen with an unknown id: "references unknown identifiers: [missing]"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('    template:', '    includeWhen:\n      - ${missing.spec.enabled}\n    template:')));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/unknown-reference']);
    expect(r.errors[0]!.message).toContain('references unknown identifiers: [missing]');
  });

  test('template without metadata: "metadata field not found"', async () => {
    const r = await analyze(rgd('  - id: config\n    template:\n      apiVersion: v1\n      kind: ConfigMap\n      data:\n        a: b\n'));
    expect(r.errors.find((d) => d.code === 'kro/template')?.message).toContain('metadata field not found');
  });

  test('bad instance field type: "failed to build OpenAPI schema for instance"', async () => {
    const r = await analyze(rgd(DEPLOYMENT, '      name: strng'));
    expect(r.errors.find((d) => d.code === 'kro/simple-schema')?.message).toContain("failed to build OpenAPI schema for instance: spec.name: unknown type 'strng'");
  });

  test('status referencing an unknown resource: "references unknown identifiers: [nonexistent]"', async () => {
    const r = await analyze(rgd(DEPLOYMENT, undefined, '    status:\n      replicas: ${nonexistent.status.replicas}'));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/unknown-reference']);
    expect(r.errors[0]!.message).toContain('references unknown identifiers: [nonexistent]');
    expect(r.errors[0]!.location.line).toBe(line(r.text, 'nonexistent.status'));
  });

  test('a literal of the wrong type in a template: "expected array …, got string"', async () => {
    const r = await analyze(rgd('  - id: service\n    template:\n      apiVersion: v1\n      kind: Service\n      metadata:\n        name: ${schema.spec.name}\n      spec:\n        ports: "80"\n'));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/template-schema']);
    expect(r.errors[0]!.message).toContain('spec.ports: expected array, got string "80"');
    expect(r.errors[0]!.location.line).toBe(line(r.text, 'ports: "80"'));
  });

  test('CEL in a CRD template spec: "CEL expressions in CRDs are only supported for metadata fields"', async () => {
    const r = await analyze(rgd('  - id: crd\n    template:\n      apiVersion: apiextensions.k8s.io/v1\n      kind: CustomResourceDefinition\n      metadata:\n        name: ${schema.spec.name}\n      spec:\n        group: ${schema.spec.name}\n'));
    expect(r.errors.find((d) => d.code === 'kro/crd-expression')?.message).toContain('CEL expressions in CRDs are only supported for metadata fields');
  });

  test('externalRef with forEach: "cannot use externalRef with forEach"', async () => {
    const r = await analyze(rgd('  - id: config\n    forEach:\n      - tag: ${schema.spec.tags}\n    externalRef:\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: shared\n'));
    expect(r.errors.map((d) => d.message).join('\n')).toContain('cannot use externalRef with forEach');
  });

  test('bad apiVersion: "invalid apiVersion format"', async () => {
    const r = await analyze(rgd(DEPLOYMENT).replace('apiVersion: v1alpha1', 'apiVersion: version1'));
    expect(r.errors.find((d) => d.code === 'kro/api-version')?.message).toContain("invalid apiVersion format 'version1'");
  });

  test('two resources referencing each other: "graph contains a cycle"', async () => {
    const r = await analyze(rgd(`  - id: first
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: \${second.metadata.name}-a
  - id: second
    template:
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: \${first.metadata.name}-b
`));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/cycle']);
    expect(r.errors[0]!.message).toContain('graph contains a cycle: first → second → first');
  });

  test('a missing dependency in a template: "references unknown identifiers"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('name: ${schema.spec.name}', 'name: ${service.metadata.name}')));
    expect(r.errors[0]!.message).toContain('references unknown identifiers: [service]');
  });

  test('a non-existent instance metadata field: "undefined field \'nonExistentField\'"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('name: ${schema.spec.name}', 'name: ${schema.metadata.nonExistentField}')));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/unknown-field']);
    expect(r.errors[0]!.message).toContain("undefined field 'nonExistentField'");
  });

  test('an unknown instance spec field is reported with the fields that exist', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('${schema.spec.replicas}', '${schema.spec.replica}')));
    expect(r.errors[0]!.message).toContain("undefined field 'replica' in schema.spec (it has enabled, labels, name, replicas, tags)");
    expect(r.errors[0]!.location.line).toBe(line(r.text, 'schema.spec.replica}'));
  });

  test('readyWhen and includeWhen that do not return bool: "must return bool"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('    template:', '    includeWhen:\n      - ${schema.spec.name}\n    readyWhen:\n      - \'${deployment.spec.replicas + 1 > 0 ? "yes" : "no"}\'\n    template:')));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/include-when', 'kro/ready-when']);
    expect(r.errors[0]!.message).toContain('must return bool, but returns string');
    expect(r.errors[1]!.message).toContain('must return bool, but returns string');
  });

  test('field selection on a string (metadata.name.foo): "does not support field selection"', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('name: ${schema.spec.name}', 'name: ${schema.metadata.name.foo}')));
    expect(r.errors[0]!.message).toContain('does not support field selection');
  });

  test('a map where ConfigMap.data wants a string: "type mismatch"', async () => {
    const r = await analyze(rgd('  - id: config\n    template:\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: ${schema.spec.name}\n      data:\n        labels: ${schema.spec.labels}\n'));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/template-type']);
    expect(r.errors[0]!.message).toContain('returns map, which the ConfigMap schema does not accept here (type mismatch)');
    expect(r.errors[0]!.location.line).toBe(line(r.text, 'labels: ${schema.spec.labels}'));
  });

  test('a primitive mismatch (string into replicas) is a type mismatch', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('${schema.spec.replicas}', '${schema.spec.name}')));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/template-type']);
    expect(r.errors[0]!.message).toContain('spec.replicas: ${schema.spec.name} returns string');
  });

  test('forEach with an embedded or multiple expressions: "only standalone expressions are allowed"', async () => {
    const r = await analyze(rgd('  - id: configs\n    forEach:\n      - tag: prefix-${schema.spec.tags}\n    template:\n      apiVersion: v1\n      kind: ConfigMap\n      metadata:\n        name: ${tag}\n'));
    expect(r.errors.find((d) => d.code === 'kro/for-each')?.message).toContain('only standalone expressions are allowed');
  });

  test('reserved, duplicate ids and kro-owned labels are rejected', async () => {
    const r = await analyze(rgd(`${DEPLOYMENT.replace('id: deployment', 'id: schema')}${DEPLOYMENT.replace('name: ${schema.spec.name}', 'name: x\n        labels:\n          kro.run/owned: "true"')}${DEPLOYMENT}`));
    expect(r.errors.map((d) => d.code).sort(), r.errors.map((d) => d.message).join('\n')).toEqual(['kro/duplicate-id', 'kro/owned-metadata', 'kro/reserved-id']);
  });

  test('a non-string expression inside a string template is reported at the field', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('name: ${schema.spec.name}', 'name: web-${schema.spec.replicas}')));
    expect(r.errors.map((d) => d.code)).toEqual(['kro/string-template']);
    expect(r.errors[0]!.message).toContain('returns int inside a string template; wrap it in string(…)');
    expect(r.errors[0]!.location.line).toBe(line(r.text, 'name: web-'));
    const fixed = await analyze(rgd(DEPLOYMENT.replace('name: ${schema.spec.name}', 'name: web-${string(schema.spec.replicas)}')));
    expect(fixed.errors).toEqual([]);
  });

  test('includeWhen with text around the expression is not a single expression', async () => {
    const r = await analyze(rgd(DEPLOYMENT.replace('    template:', '    includeWhen:\n      - ${schema.spec.enabled} && true\n    template:')));
    expect(r.errors[0]!.message).toContain('must be a single standalone ${…} expression');
  });
});

describe('CEL analysis on the parser AST', () => {
  test('macro variables are bound; optional selection and has() are understood', () => {
    const { references } = parseCel('has(schema.spec.a.b) && deployment.status.?conditions.orValue([]).exists(c, c.type == "Ready")');
    expect(references.map((r) => `${r.root}.${r.path.join('.')}`)).toEqual(['schema.spec.a', 'deployment.status.conditions']);
  });
  test('types of common expressions', () => {
    const type = (source: string) => inferCelType(parseCel(source).ast, () => 'dyn');
    expect(type('string(1) + "x"')).toBe('string');
    expect(type('a.b == "x" ? "1" : "0"')).toBe('string');
    expect(type('size(a) > 0')).toBe('bool');
    expect(type('a.filter(x, x > 1)')).toBe('list');
    expect(type('a.b')).toBe('dyn');
  });
});
