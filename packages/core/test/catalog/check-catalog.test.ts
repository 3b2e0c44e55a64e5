import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test, vi } from 'vitest';
import { checkFiles, makeTempDir, validEntry, writeCatalog } from './fixtures.js';
import { checkCatalog, listCatalogFiles } from '../../src/catalog/check-catalog.js';
import { displayPath } from '../../src/catalog/display-path.js';
import { InputFileError } from '../../src/errors/errors.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

describe('entries', () => {
  test('turns a Hugging Face entry into a ModelEntry with every default applied', async () => {
    const { result } = await checkFiles({ 'qwen.yaml': validEntry('qwen').replace('    revision: main\n', '') });
    expect(result.diagnostics).toEqual([]);
    expect(result.entries.map((e) => e.entry)).toEqual([
      {
        name: 'qwen',
        source: { kind: 'huggingface', repo: 'Qwen/Qwen2.5-7B-Instruct', revision: 'main' },
        serving: { maxModelLen: 8192, gpu: { type: 'L4', count: 1 }, replicas: { min: 1, max: 1 }, storage: 'stream', upgrade: 'new-cluster', engineArgs: {} },
      },
    ]);
  });

  test('turns a URL entry into a ModelEntry with a lowercase sha256 and every optional field', async () => {
    const sha = 'AB'.repeat(32);
    const content = [
      '# yaml-language-server: $schema=../../packages/core/src/catalog/model.schema.json',
      'name: mistral',
      'description: Mistral 7B from the CDN',
      'source:',
      '  url:',
      '    url: https://models.mistralcdn.com/mistral-7b-v0-3/mistral-7B-Instruct-v0.3.tar',
      `    sha256: ${sha}`,
      'serving:',
      '  maxModelLen: 32768',
      '  gpu: { type: A10G, count: 1 }',
      '  replicas: { min: 1, max: 3 }',
      '  storage: mount',
      '  upgrade: incremental',
      '  engineArgs: { tokenizer-mode: mistral, enable-prefix-caching: true, gpu-memory-utilization: 0.9 }',
      '',
    ].join('\n');
    const { result } = await checkFiles({ 'mistral.yml': content });
    expect(result.diagnostics).toEqual([]);
    const [{ entry }] = result.entries;
    expect(entry).toEqual({
      name: 'mistral',
      description: 'Mistral 7B from the CDN',
      source: { kind: 'url', url: 'https://models.mistralcdn.com/mistral-7b-v0-3/mistral-7B-Instruct-v0.3.tar', sha256: 'ab'.repeat(32) },
      serving: {
        maxModelLen: 32768,
        gpu: { type: 'A10G', count: 1 },
        replicas: { min: 1, max: 3 },
        storage: 'mount',
        upgrade: 'incremental',
        engineArgs: { 'enable-prefix-caching': true, 'gpu-memory-utilization': 0.9, 'tokenizer-mode': 'mistral' },
      },
    });
    expect(Object.keys(entry.serving.engineArgs)).toEqual(['enable-prefix-caching', 'gpu-memory-utilization', 'tokenizer-mode']);
  });

  test('turns an S3 entry into a ModelEntry whose prefix ends in a slash, with max defaulting to min', async () => {
    const content = ['name: staged', 'source: { s3: { uri: s3://my-models/qwen/qwen2-5-7b } }', 'serving: { maxModelLen: 4096, gpu: { type: H100, count: 2 }, replicas: { min: 2 } }', ''].join('\n');
    const { result } = await checkFiles({ 'staged.yaml': content });
    expect(result.diagnostics).toEqual([]);
    expect(result.entries[0].entry).toEqual({
      name: 'staged',
      source: { kind: 's3', uri: 's3://my-models/qwen/qwen2-5-7b/' },
      serving: { maxModelLen: 4096, gpu: { type: 'H100', count: 2 }, replicas: { min: 2, max: 2 }, storage: 'stream', upgrade: 'new-cluster', engineArgs: {} },
    });
  });
});

describe('scale to zero', () => {
  test('min: 0 is refused with the Ray issue that stops it on the pinned Ray, and the incremental-upgrade trap named', async () => {
    const zero = (upgrade: string) => ['name: zero', 'source: { s3: { uri: s3://my-models/zero/ } }', `serving: { maxModelLen: 4096, gpu: { type: L4, count: 1 }, replicas: { min: 0, max: 2 }, upgrade: ${upgrade} }`, ''].join('\n');
    const plain = await checkFiles({ 'zero.yaml': zero('new-cluster') });
    expect(plain.lines).toHaveLength(1);
    expect(plain.lines[0]).toMatch(/zero\.yaml:3:.*min is 0.*pinned Ray 2\.52\.0 \(ray-project\/ray#59076.*set min to 1 or more$/);
    const incremental = await checkFiles({ 'zero.yaml': zero('incremental') });
    expect(incremental.lines[0]).toMatch(/ray-project\/ray#62682/);
  });
});

describe('catalog', () => {
  test('reports a name used twice on the second file and points at the first', async () => {
    const { lines, result } = await checkFiles({ 'qwen.yaml': validEntry('qwen'), 'qwen.yml': validEntry('qwen') });
    expect(lines).toEqual([
      `qwen.yml:1:7: name 'qwen' is already used by ${path.join(path.dirname(result.files[0]), 'qwen.yaml')}:1; every model needs its own name and file`,
    ]);
    expect(result.diagnostics[0].code).toBe('catalog/duplicate-name');
    expect(result.entries.map((e) => path.basename(e.file))).toEqual(['qwen.yaml']);
  });

  test('reports a duplicate even when the later file is misnamed as well', async () => {
    const { lines } = await checkFiles({ 'a.yaml': validEntry('a'), 'b.yaml': `# second\n${validEntry('a')}` });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^b\.yaml:2:7: name 'a' does not match the file name 'b\.yaml'/);
    expect(lines[1]).toMatch(/^b\.yaml:2:7: name 'a' is already used by .*a\.yaml:1; every model needs its own name and file$/);
  });

  test('reads only *.yaml and *.yml files directly in the directory, in sorted order', async () => {
    const dir = await writeCatalog({
      'b.yaml': validEntry('b'),
      'a.yml': validEntry('a'),
      'README.md': '# models\n',
      'c.yaml.bak': 'not: checked\n',
    });
    await mkdir(path.join(dir, 'nested'));
    await writeFile(path.join(dir, 'nested', 'd.yaml'), 'not: checked\n');
    const result = await checkCatalog(dir);
    expect(result.files).toEqual([path.join(dir, 'a.yml'), path.join(dir, 'b.yaml')]);
    expect(result.entries.map((e) => e.entry.name)).toEqual(['a', 'b']);
    expect(result.diagnostics).toEqual([]);
  });

  test('keeps the valid entries and reports the broken files', async () => {
    const { lines, result } = await checkFiles({ 'good.yaml': validEntry('good'), 'bad.yaml': 'name: bad\n' });
    expect(result.entries.map((e) => e.entry.name)).toEqual(['good']);
    expect(lines).toEqual([
      "bad.yaml:1:1: the entry is missing the required field 'serving'; add it, for example serving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }",
      "bad.yaml:1:1: the entry is missing the required field 'source'; add it, for example source: { huggingface: { repo: Qwen/Qwen2.5-7B-Instruct, revision: main } }",
    ]);
  });

  test('returns a clean, empty result for an empty directory', async () => {
    const dir = await makeTempDir();
    expect(await checkCatalog(dir)).toEqual({ files: [], entries: [], diagnostics: [] });
  });

  test('throws InputFileError with the path for a directory that does not exist', async () => {
    const dir = path.join(await makeTempDir(), 'missing');
    await expect(checkCatalog(dir)).rejects.toThrow(InputFileError);
    await expect(checkCatalog(dir)).rejects.toThrow(`cannot read the catalog directory '${dir}' (it does not exist); check the path and its permissions`);
  });

  test('throws InputFileError when the catalog path is a file', async () => {
    const dir = await writeCatalog({ 'x.yaml': validEntry('x') });
    const file = path.join(dir, 'x.yaml');
    await expect(checkCatalog(file)).rejects.toThrow(
      new InputFileError(`catalog directory '${file}' is not a directory; point at the folder that holds one <name>.yaml file per model`),
    );
  });

  test('names files relative to the working directory when the catalog is inside it', async () => {
    const dir = await writeCatalog({ 'x.yaml': 'name: x\n' });
    vi.spyOn(process, 'cwd').mockReturnValue(path.dirname(dir));
    try {
      const inside = await checkCatalog(path.join(path.dirname(dir), path.basename(dir)));
      expect(inside.files).toEqual([path.join(path.basename(dir), 'x.yaml')]);
      expect(inside.diagnostics[0].location.file).toBe(path.join(path.basename(dir), 'x.yaml'));
      expect(await listCatalogFiles(dir)).toEqual([path.join(path.basename(dir), 'x.yaml')]);
    } finally {
      vi.restoreAllMocks();
    }
  });

  test('normalises a path typed inside the working directory and keeps outside paths absolute', () => {
    expect(displayPath('./gitops/models/../models/x.yaml', '/work/repo')).toBe(path.join('gitops', 'models', 'x.yaml'));
    expect(displayPath('/elsewhere/x.yaml', '/work/repo')).toBe('/elsewhere/x.yaml');
    expect(displayPath('../x.yaml', '/work/repo')).toBe('/work/x.yaml');
  });

  test('accepts the repository catalog in gitops/models', async () => {
    const result = await checkCatalog(path.join(repoRoot, 'gitops/models'));
    expect(result.diagnostics).toEqual([]);
    expect(result.entries.map((e) => e.entry.name)).toEqual(['llama-3-3-70b-instruct', 'mistral-7b-instruct-v0-3', 'qwen2-5-7b-instruct']);
    expect(result.entries.map((e) => e.entry.source.kind)).toEqual(['huggingface', 'url', 'huggingface']);
  });
});
