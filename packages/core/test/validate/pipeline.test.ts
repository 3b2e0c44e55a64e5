import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { run } from './helpers.js';
import {
  builtinSchemaSource,
  discoverFiles,
  SchemaRegistry,
  type ResourceCheck,
  type SchemaSource,
} from '../../src/validate/index.js';

const deployment = (name: string, image = 'nginx@sha256:' + 'a'.repeat(64)) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n      - name: app\n        image: ${image}\n`;

describe('the validation pipeline', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('pipeline-');
    await mkdir(join(dir, 'b-dir', 'nested'), { recursive: true });
    await mkdir(join(dir, 'a-dir'), { recursive: true });
    // files of very different sizes, so with concurrency they would finish out of order
    for (let i = 0; i < 24; i += 1) {
      const copies = i % 3 === 0 ? 40 : 1;
      const text = Array.from({ length: copies }, (_, j) => deployment(`d${i}-${j}`)).join('---\n');
      await writeFile(join(dir, 'b-dir', `f${String(i).padStart(2, '0')}.yaml`), text);
    }
    await writeFile(join(dir, 'b-dir', 'nested', 'x.yml'), deployment('nested'));
    await writeFile(join(dir, 'a-dir', 'z.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }));
    await writeFile(join(dir, 'a-dir', 'notes.txt'), 'not a manifest');
    await writeFile(join(dir, 'a-dir', 'values.yaml.tpl'), '{{ .Values }}');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  test('directories are walked recursively in name order, picking .yaml, .yml and .json only', async () => {
    const files: string[] = [];
    for await (const entry of discoverFiles([dir])) files.push(entry.path.slice(dir.length + 1));
    expect(files.slice(0, 3)).toEqual(['a-dir/z.json', 'b-dir/f00.yaml', 'b-dir/f01.yaml']);
    expect(files.at(-1)).toBe('b-dir/nested/x.yml');
    expect(files).toHaveLength(26);
  });

  test('a file named explicitly is read whatever its extension', async () => {
    const result = await run([join(dir, 'a-dir', 'notes.txt')]);
    expect(result.summary.errors).toBe(1); // a plain string is not a resource
  });

  test('results are reported in discovery order whatever the concurrency', async () => {
    const order = async (concurrency: number) =>
      (await run([dir], { concurrency })).results.map((r) => `${r.resource.file}#${r.resource.documentIndex}`);
    const sequential = await order(1);
    expect(sequential).toHaveLength(1 + 8 * 40 + 16 + 1);
    expect(await order(16)).toEqual(sequential);
  });

  test('each kind is looked up and compiled once per run, however many resources use it', async () => {
    let lookups = 0;
    const builtin = builtinSchemaSource();
    const counting: SchemaSource = { name: 'counting', find: (request) => ((lookups += 1), builtin.find(request)) };
    const result = await run([dir], { registry: new SchemaRegistry([counting]), concurrency: 8 });
    expect(result.summary.valid).toBe(result.summary.resources);
    expect(lookups).toBe(2); // Deployment, Namespace
  });

  test('registered checks run per resource: errors make it invalid, warnings do not, appliesTo filters', async () => {
    const file = join(dir, 'checked.yaml');
    await writeFile(file, [deployment('pinned'), deployment('floating', 'nginx:latest')].join('---\n'));
    const noLatest: ResourceCheck = {
      id: 'test-policy',
      appliesTo: (resource) => resource.signature.kind === 'Deployment',
      check(resource) {
        type PodOwner = { spec: { template: { spec: { containers?: { image?: string }[] } } } };
        const containers = (resource.object as PodOwner).spec.template.spec.containers ?? [];
        return containers.flatMap((container, index) => {
          if (!container.image?.endsWith(':latest')) return [];
          const path = ['spec', 'template', 'spec', 'containers', index, 'image'];
          return [
            { severity: 'error' as const, location: resource.locator.locate(path), message: 'image is not pinned; use image@sha256:…', code: 'test-policy/image-pinned' },
            { severity: 'warning' as const, location: resource.locator.locate(path), message: 'heads up', code: 'test-policy/note' },
          ];
        });
      },
    };
    const result = await run([file], { checks: [noLatest] });
    expect(result.results.map((r) => r.status)).toEqual(['valid', 'invalid']);
    expect(result.lines).toEqual([`${file}:29:16: heads up`, `${file}:29:16: image is not pinned; use image@sha256:…`]);
    const warningsOnly: ResourceCheck = { id: 'warn', check: (resource) => [{ severity: 'warning', location: resource.location, message: 'w', code: 'warn/x' }] };
    expect((await run([file], { checks: [warningsOnly] })).summary.valid).toBe(2);
  });

  test('strict mode on bundled schemas leaves free-form objects open (RawExtension)', async () => {
    const file = join(dir, 'revision.yaml');
    await writeFile(file, 'apiVersion: apps/v1\nkind: ControllerRevision\nmetadata: {name: r}\nrevision: 1\ndata:\n  anything:\n    nested: 1\n');
    expect((await run([file], { strict: true })).lines).toEqual([]);
  });

  test('a deprecated served version validates with a warning taken from the CRD', async () => {
    const crd = join(dir, 'widget-crd.yaml');
    await writeFile(
      crd,
      [
        'apiVersion: apiextensions.k8s.io/v1',
        'kind: CustomResourceDefinition',
        'metadata:',
        '  name: widgets.example.com',
        'spec:',
        '  group: example.com',
        '  names:',
        '    kind: Widget',
        '    plural: widgets',
        '  scope: Namespaced',
        '  versions:',
        '  - name: v1',
        '    served: true',
        '    storage: true',
        '    schema:',
        '      openAPIV3Schema:',
        '        type: object',
        '        properties:',
        '          spec: {type: object, properties: {size: {type: integer}}}',
        '  - name: v1beta1',
        '    served: true',
        '    storage: false',
        '    deprecated: true',
        '    deprecationWarning: example.com/v1beta1 Widget is deprecated; use example.com/v1',
        '    schema:',
        '      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}',
        '  - name: v0',
        '    served: false',
        '    storage: false',
        '',
      ].join('\n'),
    );
    const widget = join(dir, 'widgets.yaml');
    await writeFile(
      widget,
      'apiVersion: example.com/v1beta1\nkind: Widget\nmetadata: {name: old}\nspec: {size: 1}\n---\napiVersion: example.com/v0\nkind: Widget\nmetadata: {name: gone}\n',
    );
    const result = await run([widget], { crds: [crd] });
    expect(result.results.map((r) => r.status)).toEqual(['valid', 'error']);
    expect(result.lines[0]).toBe(`${widget}:1:13: example.com/v1beta1 Widget is deprecated; use example.com/v1`);
    expect(result.results[0]!.diagnostics[0]!.severity).toBe('warning');
    expect(result.lines[1]).toContain('could not find schema for Widget (example.com/v0)');
  });
});
