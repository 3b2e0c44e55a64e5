import { describe, expect, test } from 'vitest';
import { applyDefaults, evaluateCel, expandResourceGraph, expandTemplate, findExpressions, KroExpressionError } from '../../src/kro/index.js';

const schema = {
  metadata: { name: 'demo', namespace: 'llm' },
  spec: { name: 'demo', count: 2, source: 's3://bucket/a/b/', labels: { team: 'ml' }, tags: ['x', 'y'] },
};

describe('CEL subset', () => {
  test.each([
    ['schema.spec.name', 'demo'],
    ['string(schema.spec.count)', '2'],
    ['schema.spec.count * 2 + 1', 5],
    ['schema.spec.source.startsWith("s3://") ? "1" : "0"', '1'],
    ['schema.spec.source.split("/")[2]', 'bucket'],
    ['schema.spec.source.substring(schema.spec.source.indexOf("/", 5) + 1)', 'a/b/'],
    ['schema.spec.name != "" && !(schema.spec.count == 3)', true],
    ['schema.spec.tags.join(",")', 'x,y'],
    ['schema.spec.labels["team"]', 'ml'],
    ['schema.spec.?missing.orValue("fallback")', 'fallback'],
    ['schema.spec.tags.exists(t, t == "y")', true],
    ['size(schema.spec.tags) == 2', true],
    ['{"a": 1}.a', 1],
    ['"{}"', '{}'],
  ])('%s', (source, expected) => {
    expect(evaluateCel(source, { schema })).toEqual(expected);
  });

  test('a missing field, an unknown identifier and a type error fail with the expression named', () => {
    expect(() => evaluateCel('schema.spec.nope', { schema })).toThrow(/no such key: nope in 'schema.spec.nope'/);
    expect(() => evaluateCel('other.x', { schema })).toThrow(/undeclared reference 'other'/);
    expect(() => evaluateCel('"a" + schema.spec.count', { schema })).toThrow(KroExpressionError);
  });
});

describe('template expansion as kro does it', () => {
  test('finds expressions as kro does: braces inside double-quoted literals do not end one', () => {
    expect(findExpressions('a ${x ? "{b}" : "}"} c ${y}').map((e) => e.source)).toEqual(['x ? "{b}" : "}"', 'y']);
  });

  test('a standalone expression keeps its type; a string template needs strings', () => {
    expect(expandTemplate({ n: '${schema.spec.count}', m: '${schema.spec.labels}' }, { schema })).toEqual({ n: 2, m: { team: 'ml' } });
    expect(expandTemplate('${schema.spec.name}-x', { schema })).toBe('demo-x');
    expect(() => expandTemplate('replicas: ${schema.spec.count}', { schema })).toThrow(/must return a string.*wrap it in string\(\)/);
  });

  test('includeWhen decides which resources exist; later resources see earlier ones', () => {
    const resources = [
      { id: 'first', template: { name: '${schema.spec.name}-a' } },
      { id: 'skipped', includeWhen: ['${schema.spec.count > 5}'], template: { name: 'never' } },
      { id: 'second', template: { ref: '${first.name}' } },
    ];
    expect(expandResourceGraph(resources, schema)).toEqual([
      { id: 'first', object: { name: 'demo-a' } },
      { id: 'second', object: { ref: 'demo-a' } },
    ]);
  });

  test('defaults are applied as the API server applies them, nested objects included', () => {
    const defaulted = applyDefaults(
      {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: { storage: { type: 'string', default: 'stream' }, worker: { type: 'object', default: {}, properties: { cpu: { type: 'string', default: '3' } } } },
          },
        },
      },
      { spec: {} },
    );
    expect(defaulted).toEqual({ spec: { storage: 'stream', worker: { cpu: '3' } } });
  });
});
