import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { IMAGE, OTHER_IMAGE, snapshot, VERSIONS_FILE, workspace } from './helpers.js';
import { UsageError } from '../../src/errors/index.js';
import { GENERATED_MARKER, renderCatalog, renderSummaryMarkdown } from '../../src/render/index.js';

const QWEN_STAGED = [
  {
    model: 'qwen2-5-7b-instruct',
    uri: 's3://models-bucket/models/Qwen/Qwen2.5-7B-Instruct/a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e/',
    commit: 'a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e',
    manifestUri: 's3://models-bucket/models/.manifests/Qwen/Qwen2.5-7B-Instruct/a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e.json',
    source: 'huggingface:Qwen/Qwen2.5-7B-Instruct@main',
  },
];

async function render(ws: { out: string; catalog: string }, options: { image?: string; check?: boolean; staged?: typeof QWEN_STAGED } = {}) {
  return renderCatalog({ catalogDir: ws.catalog, outDir: ws.out, versionsFile: VERSIONS_FILE, ...options });
}

describe('render writes a deterministic tree', () => {
  test('the same inputs give byte-identical files in two fresh directories', async () => {
    const [a, b] = [await workspace(), await workspace()];
    await render(a, { image: IMAGE, staged: QWEN_STAGED });
    await render(b, { image: IMAGE, staged: QWEN_STAGED });
    const [first, second] = [await snapshot(a.out), await snapshot(b.out)];
    expect([...first.keys()]).toEqual([...second.keys()]);
    for (const [path, content] of first) expect(second.get(path), path).toBe(content);
    expect([...first.keys()].filter((path) => path.endsWith('instance.yaml'))).toEqual([
      'workloads/llama-3-3-70b-instruct/instance.yaml',
      'workloads/mistral-7b-instruct-v0-3/instance.yaml',
      'workloads/qwen2-5-7b-instruct/instance.yaml',
    ]);
  });

  test('rendered files carry no timestamps and end with a newline', async () => {
    const ws = await workspace();
    const result = await render(ws, { image: IMAGE });
    for (const file of result.tree!.files) {
      expect(file.content.startsWith(GENERATED_MARKER)).toBe(true);
      expect(file.content.endsWith('\n')).toBe(true);
      expect(file.content).not.toMatch(/\b20\d\d-\d\d-\d\dT\d\d:\d\d/);
    }
  });

  test('re-rendering unchanged inputs writes nothing', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE, staged: QWEN_STAGED });
    const rgd = join(ws.out, 'platform', 'llm-service.rgd.yaml');
    const before = (await stat(rgd)).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await render(ws, { image: IMAGE });
    expect(again.plan!.changes).toEqual([]);
    expect(again.written).toBe(false);
    expect((await stat(rgd)).mtimeMs).toBe(before);
  });

  test('keeps the image and the staged prefixes of the previous render when not given again', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE, staged: QWEN_STAGED });
    const again = await render(ws, {});
    expect(again.imageOrigin).toBe('previous-render');
    expect(again.image!.ref).toBe(IMAGE);
    expect(again.plan!.changes).toEqual([]);
    const qwen = again.tree!.models.find((model) => model.name === 'qwen2-5-7b-instruct')!;
    expect(qwen.placement).toMatchObject({ origin: 'previous-render', commit: 'a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e' });
  });

  test('a new image changes only the RGD', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE });
    const result = await render(ws, { image: OTHER_IMAGE });
    expect(result.plan!.changes).toEqual([{ path: 'platform/llm-service.rgd.yaml', kind: 'changed' }]);
  });

  test('a changed source is not served from the old staging: the model goes back to pending', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE, staged: QWEN_STAGED });
    const file = join(ws.catalog, 'qwen2-5-7b-instruct.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('revision: main', 'revision: v2.0'));
    const result = await render(ws, {});
    const qwen = result.tree!.models.find((model) => model.name === 'qwen2-5-7b-instruct')!;
    expect(qwen.placement.origin).toBe('pending');
    expect(result.tree!.warnings.join('\n')).toMatch(/ and qwen2-5-7b-instruct are not staged yet/);
  });
});

describe('render deletes what it no longer renders, and only that', () => {
  test("a removed model's files are deleted, its directory too", async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE });
    await rm(join(ws.catalog, 'mistral-7b-instruct-v0-3.yaml'));
    const result = await render(ws, {});
    expect(result.plan!.changes).toEqual([{ path: 'workloads/mistral-7b-instruct-v0-3/instance.yaml', kind: 'deleted' }]);
    const files = await snapshot(ws.out);
    expect([...files.keys()].some((path) => path.includes('mistral-7b-instruct-v0-3/'))).toBe(false);
    await expect(stat(join(ws.out, 'workloads', 'mistral-7b-instruct-v0-3'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('never touches the catalog, the settings or hand-written files', async () => {
    const ws = await workspace();
    await writeFile(join(ws.out, 'README.md'), '# notes\n');
    await render(ws, { image: IMAGE });
    const files = await snapshot(ws.out);
    expect(files.get('README.md')).toBe('# notes\n');
    expect(files.has('render-settings.yaml')).toBe(true);
    expect([...files.keys()].filter((path) => path.startsWith('models/'))).toHaveLength(3);
  });

  test('refuses to overwrite a hand-written file that is in the way', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE });
    const models = join(ws.out, 'apps', 'models.yaml');
    await writeFile(models, 'kind: Mine\n');
    await expect(render(ws, {})).rejects.toThrow(/was not written by ray-gitops render/);
    expect(await readFile(models, 'utf8')).toBe('kind: Mine\n');
  });

  test('a catalog with errors renders and deletes nothing', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE });
    const before = await snapshot(ws.out);
    await writeFile(join(ws.catalog, 'broken.yaml'), 'name: broken\nsource: {}\nserving: { maxModelLen: 8192 }\n');
    const result = await render(ws, {});
    expect(result.ok).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    const after = await snapshot(ws.out);
    after.delete('models/broken.yaml');
    expect(after).toEqual(before);
    expect(renderSummaryMarkdown(result, { outDir: 'gitops', check: false })).toContain('not rendered');
  });
});

describe('render --check', () => {
  test('is clean on a freshly rendered tree and lists stale files without writing', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE });
    expect((await render(ws, { check: true })).plan!.changes).toEqual([]);

    const instance = join(ws.out, 'workloads', 'qwen2-5-7b-instruct', 'instance.yaml');
    await writeFile(instance, (await readFile(instance, 'utf8')).replace('maxModelLen: 8192', 'maxModelLen: 4096'));
    await rm(join(ws.out, 'apps', 'models.yaml'));
    await writeFile(join(ws.out, 'workloads', 'gone.yaml'), `${GENERATED_MARKER} earlier\nkind: Stale\n`);
    const before = await snapshot(ws.out);

    const result = await render(ws, { check: true });
    expect(result.plan!.changes).toEqual([
      { path: 'apps/models.yaml', kind: 'added' },
      { path: 'workloads/gone.yaml', kind: 'deleted' },
      { path: 'workloads/qwen2-5-7b-instruct/instance.yaml', kind: 'changed' },
    ]);
    expect(result.written).toBe(false);
    expect(await snapshot(ws.out)).toEqual(before);
    expect(renderSummaryMarkdown(result, { outDir: 'gitops', check: true })).toContain('3 file(s) would change');
  });

  test('without --image and without an earlier render it is a usage error', async () => {
    const ws = await workspace();
    await expect(render(ws, { check: true })).rejects.toBeInstanceOf(UsageError);
    await expect(render(ws, { image: 'ray-vllm:latest' })).rejects.toThrow(/not pinned by digest/);
  });
});

describe('instances', () => {
  test('carry the staged prefix, commit and manifest, and the source they were staged from', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE, staged: QWEN_STAGED });
    const instance = parse(await readFile(join(ws.out, 'workloads', 'qwen2-5-7b-instruct', 'instance.yaml'), 'utf8'));
    expect(instance.metadata.annotations['ray-gitops.io/source']).toBe('huggingface:Qwen/Qwen2.5-7B-Instruct@main');
    expect(instance.spec.model).toEqual({
      source: QWEN_STAGED[0]!.uri,
      commit: 'a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e',
      manifest: QWEN_STAGED[0]!.manifestUri,
      format: 'huggingface',
    });
    expect(instance.spec.engineArgs).toBe('{"enable_prefix_caching":true}');
    expect(instance.spec.nodeSelector).toEqual({ 'karpenter.k8s.aws/instance-gpu-name': 'l4' });
  });

  test('a Mistral-native archive is rendered with the mistral format and without the flags the RGD sets', async () => {
    const ws = await workspace();
    await render(ws, { image: IMAGE });
    const instance = parse(await readFile(join(ws.out, 'workloads', 'mistral-7b-instruct-v0-3', 'instance.yaml'), 'utf8'));
    expect(instance.spec.model.format).toBe('mistral');
    expect(instance.spec.engineArgs).toBe('{}');
  });
});
