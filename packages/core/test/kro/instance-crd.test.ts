import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { instanceCrd, pluralize, SimpleSchemaError, simpleSchemaToOpenApi } from '../../src/kro/index.js';

const CHAINSAW = fileURLToPath(new URL('../../../../../shared/reference/kro-fixtures/e2e-chainsaw/', import.meta.url));

/** Chainsaw's assert semantics: every field the expectation names must match; arrays element by element. */
function subsetMismatches(expected: unknown, actual: unknown, path = ''): string[] {
  if (expected !== null && typeof expected === 'object') {
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual)) return [`${path}: expected a list, got ${JSON.stringify(actual)}`];
      if (actual.length !== expected.length) return [`${path}: expected ${expected.length} items, got ${actual.length}`];
      return expected.flatMap((item, index) => subsetMismatches(item, actual[index], `${path}[${index}]`));
    }
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path}: expected a mapping, got ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) =>
      subsetMismatches(value, (actual as Record<string, unknown>)[key], path ? `${path}.${key}` : key),
    );
  }
  return expected === actual ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

/** The parts of a live CRD the API server adds (status, generation, conversion defaults) are not kro's. */
function withoutServerFields(crd: Record<string, any>): Record<string, any> {
  const { status: _status, ...rest } = crd;
  const { generation: _generation, ...metadata } = rest.metadata ?? {};
  const { conversion: _conversion, ...spec } = rest.spec ?? {};
  return { ...rest, metadata, spec };
}

function keysNamed(value: unknown, name: string): number {
  if (value === null || typeof value !== 'object') return 0;
  return Object.entries(value).reduce((count, [key, child]) => count + (key === name ? 1 : 0) + keysNamed(child, name), 0);
}

const fixtures = readdirSync(CHAINSAW).filter((dir) => existsSync(join(CHAINSAW, dir, 'instancecrd-assert.yaml'))).sort();

describe('instanceCrd matches the CRDs kro generates in its own e2e tests', () => {
  test('there are fixtures to compare against', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(8);
  });

  test.each(fixtures)('%s', (dir) => {
    const rgd = parse(readFileSync(join(CHAINSAW, dir, 'rgd.yaml'), 'utf8')) as { spec: { schema: Parameters<typeof instanceCrd>[0] } };
    const expected = withoutServerFields(parse(readFileSync(join(CHAINSAW, dir, 'instancecrd-assert.yaml'), 'utf8')) as Record<string, any>);
    const actual = instanceCrd(rgd.spec.schema);
    expect(subsetMismatches(expected, JSON.parse(JSON.stringify(actual)))).toEqual([]);
    // kro turns uniqueItems=true into a set-typed list and never emits uniqueItems (the API server forbids it)
    expect(keysNamed(actual, 'uniqueItems')).toBe(0);
  });
});

describe('SimpleSchema to OpenAPI', () => {
  test('an object whose fields all have defaults defaults to {}, one with a required field does not', () => {
    const schema = simpleSchemaToOpenApi({
      resources: { cpu: 'string | default="100m"', memory: 'string' },
      database: { host: 'string | required=true', port: 'integer | default=5432' },
    });
    expect(schema.properties!.resources!.default).toEqual({});
    expect(schema.properties!.database!.default).toBeUndefined();
    expect(schema.properties!.database!.required).toEqual(['host']);
    expect(schema.default).toEqual({});
  });

  test('sorts fields, so required lists come out in a stable order', () => {
    const schema = simpleSchemaToOpenApi({ zeta: 'string | required=true', alpha: 'string | required=true', mid: 'integer' });
    expect(Object.keys(schema.properties!)).toEqual(['alpha', 'mid', 'zeta']);
    expect(schema.required).toEqual(['alpha', 'zeta']);
  });

  test('maps, lists, floats, free-form objects and integer enums', () => {
    const schema = simpleSchemaToOpenApi({
      labels: 'map[string]string | default={}',
      ports: '[]integer | minItems=1',
      ratio: 'float | default=0.9 minimum=0.1 maximum=1',
      extra: 'object',
      count: 'integer | default=1 enum="1,2,4,8"',
    });
    expect(schema.properties).toEqual({
      count: { type: 'integer', default: 1, enum: [1, 2, 4, 8] },
      extra: { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
      labels: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
      ports: { type: 'array', items: { type: 'integer' }, minItems: 1 },
      ratio: { type: 'number', default: 0.9, minimum: 0.1, maximum: 1 },
    });
  });

  test('quoted marker values keep regular-expression backslashes and lose their quotes', () => {
    const schema = simpleSchemaToOpenApi({ name: 'string | pattern="^[a-z]+\\.[a-z]{2,}$" description="a \\"quoted\\" word"' });
    expect(schema.properties!.name).toEqual({ type: 'string', pattern: '^[a-z]+\\.[a-z]{2,}$', description: 'a "quoted" word' });
  });

  test('rejects what kro rejects, saying where', () => {
    expect(() => simpleSchemaToOpenApi({ size: 'integer | minLength=3' })).toThrow(/spec.size|size: the minLength marker is only valid for string/);
    expect(() => simpleSchemaToOpenApi({ x: 'Unknown' })).toThrow(SimpleSchemaError);
    expect(() => simpleSchemaToOpenApi({ x: 'string | colour=red' })).toThrow(/unknown marker 'colour'/);
    expect(() => simpleSchemaToOpenApi({ x: 'map[int]string' })).toThrow(/map keys must be string/);
    expect(() => simpleSchemaToOpenApi({ a: 'A' }, { A: { b: 'B' }, B: { a: 'A' } })).toThrow(/cyclic dependency/);
  });

  test('plural names follow the English rules kro uses', () => {
    expect(['llmservice', 'policy', 'box', 'day', 'app'].map(pluralize)).toEqual(['llmservices', 'policies', 'boxes', 'days', 'apps']);
  });

  test('rejects kind names and versions kro rejects', () => {
    expect(() => instanceCrd({ apiVersion: 'v1alpha1', kind: 'Test_Resource', spec: {} })).toThrow(/not a valid kro kind/);
    expect(() => instanceCrd({ apiVersion: 'version1', kind: 'Test', spec: {} })).toThrow(/invalid apiVersion/);
  });
});
