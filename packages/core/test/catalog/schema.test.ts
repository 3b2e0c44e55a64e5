import { describe, expect, test } from 'vitest';
import { checkFile, entryWithServing, validEntry } from './fixtures.js';
import { MODEL_NAME_LIMIT } from '../../src/catalog/derived-names.js';
import { GPU_TYPES } from '../../src/catalog/gpu-types.js';
import { dnsLabelProblem } from '../../src/catalog/name-rules.js';
import { gitRefProblem, huggingFaceRepoProblem } from '../../src/catalog/reference-rules.js';
import { MODEL_ENTRY_SCHEMA, validateAgainstSchema } from '../../src/catalog/schema.js';
import { MAX_TENSOR_PARALLEL } from '../../src/catalog/semantic-checks.js';
import { DEFAULT_MIN_REPLICAS, DEFAULT_REVISION, DEFAULT_STORAGE } from '../../src/catalog/to-model-entry.js';

const hfEntry = (fields: string): string =>
  ['name: hf', 'source:', `  huggingface: { ${fields} }`, 'serving:', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', ''].join('\n');

describe('schema diagnostics', () => {
  test('rejects an unknown field and suggests the closest known one', async () => {
    const { file, lines } = await checkFile('typo.yaml', entryWithServing('typo', '  maxModelLength: 8192', '  gpu: { type: L4, count: 1 }'));
    expect(lines).toEqual([
      `${file}:4:1: serving is missing the required field 'maxModelLen'; add it, for example maxModelLen: 8192`,
      `${file}:5:3: unknown field 'maxModelLength' in serving; did you mean 'maxModelLen'?`,
    ]);
  });

  test('suggests the camelCase field for a snake_case key', async () => {
    const { file, lines } = await checkFile('snake.yaml', entryWithServing('snake', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  engine_args: {}'));
    expect(lines).toEqual([`${file}:7:3: unknown field 'engine_args' in serving; did you mean 'engineArgs'?`]);
  });

  test('lists the known fields when no known field is close', async () => {
    const { file, lines } = await checkFile('extra.yaml', `${validEntry('extra')}owner: team-llm\n`);
    expect(lines).toEqual([`${file}:9:1: unknown field 'owner' in the entry; remove it, or use one of name, description, source, serving, staging`]);
  });

  test('reports a missing top-level field at the start of the entry with an example', async () => {
    const { file, lines } = await checkFile('nosource.yaml', '# yaml-language-server: $schema=x\nname: nosource\nserving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }\n');
    expect(lines).toEqual([
      `${file}:2:1: the entry is missing the required field 'source'; add it, for example source: { huggingface: { repo: Qwen/Qwen2.5-7B-Instruct, revision: main } }`,
    ]);
  });

  test('reports a missing nested field at its parent key', async () => {
    const { file, lines } = await checkFile('nocount.yaml', entryWithServing('nocount', '  maxModelLen: 8192', '  gpu:', '    type: L4'));
    expect(lines).toEqual([`${file}:6:3: serving.gpu is missing the required field 'count'; add it, for example count: 1`]);
  });

  test('reports an empty value at its key with an example of the expected shape', async () => {
    const { file, lines } = await checkFile('nogpu.yaml', entryWithServing('nogpu', '  maxModelLen: 8192', '  gpu:'));
    expect(lines).toEqual([`${file}:6:3: serving.gpu must be a mapping, not empty; write it like gpu: { type: L4, count: 1 }`]);
  });

  test('requires exactly one source kind and points at the second one', async () => {
    const content = [
      'name: both',
      'source:',
      '  huggingface: { repo: Qwen/Qwen2.5-7B-Instruct }',
      '  s3: { uri: s3://my-models/qwen/ }',
      'serving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }',
      '',
    ].join('\n');
    const { file, lines } = await checkFile('both.yaml', content);
    expect(lines).toEqual([`${file}:4:3: source sets 'huggingface' and 's3', but exactly one is allowed; keep only the one the weights come from`]);
  });

  test('rejects an empty source and names the kinds', async () => {
    const { file, lines } = await checkFile('nokind.yaml', 'name: nokind\nsource: {}\nserving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }\n');
    expect(lines).toEqual([`${file}:2:9: source is empty; set exactly one of huggingface, url or s3`]);
  });

  test('rejects an unknown source kind and lists the known ones', async () => {
    const { file, lines } = await checkFile('hf.yaml', 'name: hf\nsource:\n  hf: { repo: a/b }\nserving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }\n');
    expect(lines).toEqual([`${file}:3:3: unknown field 'hf' in source; remove it, or use one of huggingface, url, s3`]);
  });

  test('suggests the allowed value for a wrongly cased enum', async () => {
    const { file, lines } = await checkFile('storage.yaml', entryWithServing('storage', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  storage: Stream'));
    expect(lines).toEqual([`${file}:7:12: serving.storage 'Stream' is not allowed; did you mean 'stream'?`]);
  });

  test('lists the allowed values when none is close', async () => {
    const { file, lines } = await checkFile('storage.yaml', entryWithServing('storage', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  storage: nfs'));
    expect(lines).toEqual([`${file}:7:12: serving.storage 'nfs' is not allowed; use stream or mount`]);
  });

  test('rejects replica counts out of range', async () => {
    const { file, lines } = await checkFile('replicas.yaml', entryWithServing('replicas', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  replicas: { min: -1, max: 65 }'));
    expect(lines).toEqual([
      `${file}:7:20: serving.replicas.min is -1, out of range; set it between 0 and 64`,
      `${file}:7:29: serving.replicas.max is 65, out of range; set it between 1 and 64`,
    ]);
  });

  test('rejects engine argument values that are not scalars', async () => {
    const { file, lines } = await checkFile('args.yaml', entryWithServing('args', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  engineArgs:', '    max-num-seqs: [1]', '    swap-space:'));
    expect(lines).toEqual([
      `${file}:8:19: serving.engineArgs.max-num-seqs must be a string, a number or a boolean, not a list`,
      `${file}:9:5: serving.engineArgs.swap-space must be a string, a number or a boolean, not empty`,
    ]);
  });

  test('rejects a sha256 that is not 64 hex digits', async () => {
    const content = ['name: sha', 'source:', '  url: { url: "https://example.com/w.tar", sha256: abc }', 'serving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }', ''].join('\n');
    const { file, lines } = await checkFile('sha.yaml', content);
    expect(lines).toEqual([`${file}:3:52: source.url.sha256 'abc' is not valid; use the 64 hex digits sha256sum prints`]);
  });

  test('rejects a revision that is the wrong type', async () => {
    const { file, lines } = await checkFile('hf.yaml', hfEntry('repo: a/b, revision: 3'));
    expect(lines).toEqual([`${file}:3:39: source.huggingface.revision must be a string, not 3; write it like revision: main`]);
  });
});

describe('model.schema.json', () => {
  test('caps the name at the limit computed from the derived Kubernetes names', () => {
    expect(MODEL_ENTRY_SCHEMA.properties.name.maxLength).toBe(MODEL_NAME_LIMIT.limit);
  });

  test('offers exactly the known GPU types and tensor-parallel sizes', () => {
    const gpu = MODEL_ENTRY_SCHEMA.properties.serving.properties.gpu.properties;
    expect(gpu.type.enum).toEqual(GPU_TYPES.map((type) => type.name));
    expect(Math.max(...gpu.count.enum)).toBe(MAX_TENSOR_PARALLEL);
  });

  test('documents the same defaults the domain conversion applies', () => {
    const { properties } = MODEL_ENTRY_SCHEMA;
    expect(properties.source.properties.huggingface.properties.revision.default).toBe(DEFAULT_REVISION);
    expect(properties.serving.properties.storage.default).toBe(DEFAULT_STORAGE);
    expect(properties.serving.properties.replicas.properties.min.default).toBe(DEFAULT_MIN_REPLICAS);
  });

  test('closes every object with additionalProperties: false and documents every property', () => {
    const open: string[] = [];
    const undocumented: string[] = [];
    const visit = (node: Record<string, unknown>, where: string): void => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      if (node.type === 'object' && properties !== undefined && node.additionalProperties !== false) open.push(where);
      for (const [key, child] of Object.entries(properties ?? {})) {
        if (typeof child.title !== 'string') undocumented.push(`${where}.${key}`);
        visit(child, `${where}.${key}`);
      }
    };
    visit(MODEL_ENTRY_SCHEMA as unknown as Record<string, unknown>, '$');
    expect(open).toEqual([]);
    expect(undocumented).toEqual([]);
  });

  test('accepts its own examples', () => {
    for (const example of MODEL_ENTRY_SCHEMA.examples) expect(validateAgainstSchema(example)).toEqual([]);
  });

  const withName = (name: string): unknown => ({ name, source: { s3: { uri: 's3://b-1/x/' } }, serving: { maxModelLen: 8192, gpu: { type: 'L4', count: 1 } } });
  const withRepo = (repo: string): unknown => ({ name: 'a', source: { huggingface: { repo } }, serving: { maxModelLen: 8192, gpu: { type: 'L4', count: 1 } } });
  const withRevision = (revision: string): unknown => ({ name: 'a', source: { huggingface: { repo: 'a/b', revision } }, serving: { maxModelLen: 8192, gpu: { type: 'L4', count: 1 } } });

  test.each(['a', 'qwen2-5-7b', 'a1', 'A', '1a', 'a-', '-a', 'a_b', 'a.b', '../x', 'a/b', '', 'a b', 'ü'])(
    'agrees with the name rule on %j',
    (name) => {
      expect(validateAgainstSchema(withName(name)).length === 0).toBe(dnsLabelProblem(name) === undefined);
    },
  );

  test.each(['Qwen/Qwen2.5-7B-Instruct', 'meta-llama/Llama-3.3-70B-Instruct', 'a/b', 'a_/_b', '/a/b', 'a/b/c', 'a', 'a/../b', 'a/b..c', 'a--b/c', '-a/b', 'a/b.', 'a/b c', 'a/'])(
    'agrees with the Hub repository rule on %j',
    (repo) => {
      expect(validateAgainstSchema(withRepo(repo)).length === 0).toBe(huggingFaceRepoProblem(repo) === undefined);
    },
  );

  test.each([
    'main', 'v1.0', 'refs/pr/1', 'feature/x', 'a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[b', 'a\\b',
    '/a', 'a/', 'a//b', '-a', '.a', 'a/.b', 'a.lock', 'a.lock/b', 'a.', '@', 'a@{1}', '', 'ü-branch',
  ])('agrees with the git ref rule on %j', (revision) => {
    expect(validateAgainstSchema(withRevision(revision)).length === 0).toBe(gitRefProblem(revision) === undefined);
  });
});
