import { describe, expect, test } from 'vitest';
import { parseManifests, type ParsedManifest } from '../../src/validate/index.js';

const resources = (parsed: ParsedManifest[]) =>
  parsed.flatMap((p) => (p.type === 'resource' ? [p.resource] : []));

describe('parsing manifests like the API server decodes them', () => {
  test('multi-document YAML: empty documents and comment-only ones are empty, not resources', () => {
    const parsed = parseManifests('m.yaml', '---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n~\n');
    expect(parsed.map((p) => p.type)).toEqual(['empty', 'resource', 'empty', 'empty']);
    expect(resources(parsed)[0]!.signature).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', group: '', version: 'v1', name: 'a' });
  });

  test('kind: List is expanded into its items, each located at its own line', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: b\n    namespace: x\n';
    const [first, second] = resources(parseManifests('l.yaml', text));
    expect([first!.listIndex, first!.location.line, first!.signature.kind]).toEqual([0, 4, 'Namespace']);
    expect([second!.listIndex, second!.location.line, second!.signature]).toEqual([
      1,
      7,
      { apiVersion: 'apps/v1', kind: 'Deployment', group: 'apps', version: 'v1', name: 'b', namespace: 'x' },
    ]);
    expect(second!.locator.locate(['metadata', 'namespace'])).toMatchObject({ line: 11, column: 16 });
  });

  test('missing kind or apiVersion, and documents that are not mappings, are errors at the document', () => {
    const parsed = parseManifests('bad.yaml', 'kind: Pod\n---\napiVersion: v1\n---\n- a\n- b\n');
    expect(parsed.map((p) => (p.type === 'error' ? `${p.diagnostics[0]!.code}@${p.diagnostics[0]!.location.line}` : p.type))).toEqual([
      'manifest/missing-apiversion@1',
      'manifest/missing-kind@3',
      'manifest/not-an-object@5',
    ]);
  });

  test('YAML syntax errors are located', () => {
    const [parsed] = parseManifests('broken.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a: b\n');
    expect(parsed!.type).toBe('error');
    if (parsed!.type !== 'error') return;
    expect(parsed.diagnostics[0]!.code).toBe('yaml/syntax');
    expect(parsed.diagnostics[0]!.message).toMatch(/^invalid YAML: /);
    expect(parsed.diagnostics[0]!.location.line).toBe(4);
  });

  test('duplicate keys: the last wins without strict; strict reports the second one, pointing at the first', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n';
    const [loose] = parseManifests('d.yaml', text);
    expect(loose!.type === 'resource' && loose.resource.signature.name).toBe('b');
    expect(loose!.type === 'resource' && loose.diagnostics).toEqual([]);
    const [strict] = parseManifests('d.yaml', text, { strict: true });
    expect(strict!.type === 'resource' && strict.diagnostics.map((d) => `${d.location.line}:${d.location.column} ${d.message}`)).toEqual([
      '5:3 duplicate key "name" (first defined at line 4); decoders keep only the last one, so merge the two into one key',
    ]);
  });

  test('JSON files keep positions too', () => {
    const [resource] = resources(parseManifests('p.json', '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "spec": {\n    "containers": [ { "name": 5 } ]\n  }\n}\n'));
    expect(resource!.locator.locate(['spec', 'containers', 0, 'name'])).toMatchObject({ line: 5, column: 31 });
    expect(resource!.locator.locate(['spec', 'containers', 0, 'name'], 'key')).toMatchObject({ line: 5, column: 23 });
  });

  test('YAML 1.1 scalars as the Go decoder reads them, but dates and 12:30 stay strings', () => {
    const [resource] = resources(parseManifests('y.yaml', 'apiVersion: v1\nkind: ConfigMap\ndata:\n  a: yes\n  b: 2024-01-01\n  c: 12:30\n  d: 0777\n'));
    expect(resource!.object.data).toEqual({ a: true, b: '2024-01-01', c: '12:30', d: 511 });
  });

  test('anchors, aliases and merge keys resolve, and positions follow the alias', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  labels: &l {app: x}\n  annotations:\n    <<: *l\n    extra: "1"\n';
    const [resource] = resources(parseManifests('a.yaml', text));
    expect(resource!.object.metadata).toEqual({ labels: { app: 'x' }, annotations: { app: 'x', extra: '1' } });
    expect(resource!.locator.locate(['metadata', 'annotations', 'app'])).toMatchObject({ line: 4, column: 20 });
  });

  test('a missing field is located at the object that should hold it', () => {
    const [resource] = resources(parseManifests('m.yaml', 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: x\n'));
    expect(resource!.locator.locate(['spec', 'containers', 0, 'name'])).toMatchObject({ line: 5, column: 5 });
  });

  test('generateName stands in for a name', () => {
    const [resource] = resources(parseManifests('g.yaml', 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: pi-\n'));
    expect(resource!.signature.name).toBe('pi-*');
  });
});

describe('hostile nesting', () => {
  const blockNest = (depth: number) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i + 1)}k:\n`).join('')}${'  '.repeat(depth + 1)}v\n`;
  const flowNest = (depth: number) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  const seqNest = (depth: number) => `apiVersion: v1\nkind: ConfigMap\ndata:\n${Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}-\n`).join('')}`;

  test.each([
    ['block mappings', blockNest(20_000), 'deep.yaml'],
    ['flow sequences', flowNest(20_000), 'deep.yaml'],
    ['block sequences', seqNest(20_000), 'deep.yaml'],
    ['JSON', `{"apiVersion": "v1", "kind": "ConfigMap", "data": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`, 'deep.json'],
  ])('20,000 levels of %s are one located error, not a stack overflow', (_name, text, file) => {
    for (const fast of [true, false]) {
      const parsed = parseManifests(file, text, { fast });
      expect(parsed).toHaveLength(1);
      const [only] = parsed;
      expect(only!.type).toBe('error');
      if (only!.type !== 'error') return;
      expect(only.diagnostics.map((d) => d.code)).toEqual(['yaml/too-deep']);
      expect(only.diagnostics[0]!.message).toContain('nested more than 256 levels deep');
      expect(only.diagnostics[0]!.location.file).toBe(file);
      // located where the too-deep collection starts, not at the top of the file
      const { line, column } = only.diagnostics[0]!.location;
      expect(`${line}:${column}`).not.toBe('1:1');
    }
  });

  test('deep but plausible nesting (100 levels) is still read as a resource', () => {
    for (const text of [blockNest(100), flowNest(100)]) {
      expect(parseManifests('ok.yaml', text).map((p) => p.type)).toEqual(['resource']);
    }
  });
});
