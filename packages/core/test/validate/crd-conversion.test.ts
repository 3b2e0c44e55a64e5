import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { CRDS, FIXTURES } from './helpers.js';
import { crdToJsonSchema, crdVersions } from '../../src/validate/index.js';
import { createAjv } from '../../src/validate/schema/ajv-compiler.js';
import { scanCrdHeader, splitDocuments } from '../../src/validate/schema/crd-source.js';

/** Compiles a converted schema and says whether `value` passes. */
function accepts(openApi: unknown, value: unknown, strict = false): boolean {
  return createAjv().compile(crdToJsonSchema(openApi, { strict }))(value);
}

const widget = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: { size: { type: 'integer' }, name: { type: 'string' }, ...extra },
    },
  },
});

describe('CRD schema → JSON Schema', () => {
  test('x-kubernetes-int-or-string accepts both, and a quantity pattern still applies to strings', () => {
    const schema = widget({
      port: { 'x-kubernetes-int-or-string': true },
      memory: {
        'anyOf': [{ type: 'integer' }, { type: 'string' }],
        'pattern': '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
        'x-kubernetes-int-or-string': true,
      },
    });
    expect(accepts(schema, { spec: { port: 8080 } })).toBe(true);
    expect(accepts(schema, { spec: { port: 'http' } })).toBe(true);
    expect(accepts(schema, { spec: { port: true } })).toBe(false);
    expect(accepts(schema, { spec: { memory: 256000 } })).toBe(true);
    expect(accepts(schema, { spec: { memory: '512Mi' } })).toBe(true);
    expect(accepts(schema, { spec: { memory: '5 GB' } })).toBe(false);
  });

  test('--strict closes objects that list properties, except where unknown fields are preserved', () => {
    const schema = widget({
      config: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true, 'properties': { known: { type: 'string' } } },
      free: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    });
    expect(accepts(schema, { spec: { sise: 1 } }, false)).toBe(true);
    expect(accepts(schema, { spec: { sise: 1 } }, true)).toBe(false);
    expect(accepts(schema, { extra: 1 }, true)).toBe(false);
    expect(accepts(schema, { spec: { config: { anything: 1 }, free: { a: { b: 2 } }, labels: { a: 'b' } } }, true)).toBe(true);
    expect(accepts(schema, { spec: { labels: { a: 1 } } }, true)).toBe(false);
  });

  test('nullable fields accept null; optional non-nullable ones too (the server prunes them); required ones do not', () => {
    const schema = {
      type: 'object',
      required: ['must'],
      properties: {
        must: { type: 'string' },
        maybe: { type: 'string', nullable: true },
        optional: { type: 'integer' },
        choice: { type: 'string', enum: ['a', 'b'] },
        list: { type: 'array', items: { type: 'string' } },
      },
    };
    expect(accepts(schema, { must: 'x', maybe: null, optional: null, choice: null })).toBe(true);
    expect(accepts(schema, { must: null })).toBe(false);
    expect(accepts(schema, { must: 'x', list: [null] })).toBe(false);
    expect(accepts(schema, { must: 'x', choice: 'c' })).toBe(false);
  });

  test('a required field with a default is filled in by the server, so it may be missing', () => {
    const schema = { type: 'object', required: ['scope', 'kind'], properties: { scope: { type: 'string', default: 'Namespaced' }, kind: { type: 'string' } } };
    expect(accepts(schema, { kind: 'X' })).toBe(true);
    expect(accepts(schema, { scope: 'Cluster' })).toBe(false);
  });

  test('formats the server checks are checked; numeric formats and unknown ones are not', () => {
    const schema = widget({
      when: { type: 'string', format: 'date-time' },
      every: { type: 'string', format: 'duration' },
      blob: { type: 'string', format: 'byte' },
      count: { type: 'integer', format: 'int32' },
      odd: { type: 'string', format: 'no-such-format' },
    });
    expect(accepts(schema, { spec: { when: '2025-01-02T03:04:05Z', every: '5m0s', blob: 'aGVsbG8=', count: 2 ** 40, odd: '?' } })).toBe(true);
    expect(accepts(schema, { spec: { every: 'PT5M' } })).toBe(true);
    expect(accepts(schema, { spec: { when: 'yesterday' } })).toBe(false);
    expect(accepts(schema, { spec: { every: 'five minutes' } })).toBe(false);
    expect(accepts(schema, { spec: { blob: '$TOKEN' } })).toBe(false);
  });

  test('x-kubernetes-list-type: set requires unique items; OpenAPI boolean exclusiveMinimum is understood', () => {
    const schema = widget({
      tags: { 'type': 'array', 'items': { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
    });
    expect(accepts(schema, { spec: { tags: ['a', 'b'], ratio: 0.5 } })).toBe(true);
    expect(accepts(schema, { spec: { tags: ['a', 'a'] } })).toBe(false);
    expect(accepts(schema, { spec: { ratio: 0 } })).toBe(false);
  });

  test('every served version of the real CRDs converts and compiles; the v1alpha1 KubeRay versions are marked deprecated', async () => {
    const found: string[] = [];
    for (const file of ['ray.io_rayservices.yaml', 'ray.io_rayclusters.yaml', 'kro.run_resourcegraphdefinitions.yaml', 'application-crd.yaml']) {
      for (const version of crdVersions(parse(await readFile(`${CRDS}${file}`, 'utf8')))) {
        expect(() => createAjv().compile(crdToJsonSchema(version.openApiSchema, { strict: true }))).not.toThrow();
        found.push(`${version.group}/${version.version}/${version.kind}${version.deprecated ? ' (deprecated)' : ''}`);
      }
    }
    expect(found).toEqual([
      'ray.io/v1/RayService',
      'ray.io/v1alpha1/RayService (deprecated)',
      'ray.io/v1/RayCluster',
      'ray.io/v1alpha1/RayCluster (deprecated)',
      'kro.run/v1alpha1/ResourceGraphDefinition',
      'argoproj.io/v1alpha1/Application',
    ]);
  });

  test('apiextensions.k8s.io/v1beta1 CRDs (top-level validation) convert too', async () => {
    const crd = parse(await readFile(`${FIXTURES}registry/sagemaker.aws.amazon.com_trainingjobs.yaml`, 'utf8'));
    const versions = crdVersions(crd);
    expect(versions.map((v) => `${v.group}/${v.version}/${v.kind}`)).toEqual(['sagemaker.aws.amazon.com/v1/TrainingJob']);
  });

  test('CRD files are indexed by group and kind without parsing them', async () => {
    const text = await readFile(`${CRDS}ray.io_rayservices.yaml`, 'utf8');
    const [document] = splitDocuments(text);
    expect(scanCrdHeader(document!)).toEqual({ group: 'ray.io', kind: 'RayService' });
    expect(scanCrdHeader('apiVersion: v1\nkind: ConfigMap\n')).toBeUndefined();
    expect(splitDocuments('---\n# only a comment\n---\na: 1\n---\n')).toEqual(['\na: 1\n']);
  });
});
