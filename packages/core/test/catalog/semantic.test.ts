import { describe, expect, test } from 'vitest';
import { checkFile, entryWithServing, validEntry } from './fixtures.js';
import type { GpuType } from '../../src/catalog/gpu-types.js';
import { semanticFindings } from '../../src/catalog/semantic-checks.js';

const hfEntry = (repo: string, revision = 'main'): string =>
  ['name: hf', 'source:', '  huggingface:', `    repo: ${repo}`, `    revision: ${revision}`, 'serving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }', ''].join('\n');

const sourceEntry = (name: string, source: string): string =>
  [`name: ${name}`, 'source:', `  ${source}`, 'serving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }', ''].join('\n');

const gpuEntry = (name: string, gpu: string): string => entryWithServing(name, '  maxModelLen: 8192', `  gpu: ${gpu}`);

const LABEL_ADVICE = "use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";

describe('name', () => {
  test.each([
    ['Qwen-7B', 'contains uppercase letters', " (for example 'qwen-7b')"],
    ['qwen_7b', "contains '_'", " (for example 'qwen-7b')"],
    ['qwen2.5', "contains '.'", " (for example 'qwen2-5')"],
    ['7b-model', 'does not start with a letter', ''],
    ['_private', "contains '_'", " (for example 'private')"],
    ['model-', "ends with '-'", " (for example 'model')"],
    ['"my model"', 'contains a space', " (for example 'my-model')"],
    ['""', 'is empty', ''],
  ])('rejects the name %s as not a DNS-1035 label', async (name, reason, example) => {
    const { file, lines } = await checkFile('n.yaml', validEntry(name));
    const shown = name.startsWith('"') ? name.slice(1, -1) : name;
    expect(lines).toEqual([`${file}:1:7: name '${shown}' is not a valid DNS-1035 label because it ${reason}; ${LABEL_ADVICE}${example}`]);
  });

  test('rejects a name longer than the derived-name limit and names the binding constraint', async () => {
    const name = `m${'x'.repeat(47)}`;
    const { file, lines, codes } = await checkFile(`${name}.yaml`, validEntry(name));
    expect(codes).toEqual(['catalog/name-too-long']);
    expect(lines).toEqual([
      `${file}:1:7: name '${name}' is 48 characters long; shorten it to at most 47, because the RayService is named '<name>' and KubeRay rejects RayService names longer than 47 characters`,
    ]);
  });

  test('accepts a name of exactly the limit', async () => {
    const name = `m${'x'.repeat(46)}`;
    const { lines } = await checkFile(`${name}.yaml`, validEntry(name));
    expect(lines).toEqual([]);
  });

  test('requires the name to equal the file name', async () => {
    const { file, lines } = await checkFile('qwen.yaml', validEntry('qwen2'));
    expect(lines).toEqual([
      `${file}:1:7: name 'qwen2' does not match the file name 'qwen.yaml', and the catalog holds one <name>.yaml file per model; rename the file to 'qwen2.yaml' or set name to 'qwen'`,
    ]);
  });

  test('suggests only renaming when the file name could not be a name', async () => {
    const { file, lines } = await checkFile('Qwen 2.yml', validEntry('qwen2'));
    expect(lines).toEqual([
      `${file}:1:7: name 'qwen2' does not match the file name 'Qwen 2.yml', and the catalog holds one <name>.yaml file per model; rename the file to 'qwen2.yml'`,
    ]);
  });
});

describe('Hugging Face source', () => {
  const advice = "write it as org/name, as in the model's Hub URL (for example 'Qwen/Qwen2.5-7B-Instruct')";
  test.each([
    ['/Qwen/Qwen2.5-7B-Instruct', "starts with '/'"],
    ['Qwen/../secrets', "contains '..'"],
    ['Qwen2.5-7B-Instruct', 'is not of the form org/name'],
    ['Qwen/Qwen2.5/extra', 'is not of the form org/name'],
    ['Qwen/Qwen2.5-7B-Instruct-', "has a part that starts or ends with '-' or '.'"],
    ['Qwen/Qwen--7B', "contains '--'"],
    ['Qwen/Qwen$7B', "contains '$'"],
  ])('rejects the repository %s', async (repo, reason) => {
    const { file, lines } = await checkFile('hf.yaml', hfEntry(repo));
    expect(lines).toEqual([`${file}:4:11: source.huggingface.repo '${repo}' is not a Hub repository id because it ${reason}; ${advice}`]);
  });

  test.each([
    ['feature..x', "contains '..'"],
    ['"my branch"', 'contains a space'],
    ['v1~2', "contains '~'"],
    ['release.lock', "has a part that ends with '.lock'"],
    ['feature/', "ends with '/'"],
    ['/main', "starts with '/'"],
    ['"a:b"', "contains ':'"],
    ['refs/.hidden', "has a part that starts with '.'"],
    ['HEAD@{1}', "contains '@{'"],
  ])('rejects the revision %s by the git ref rules', async (revision, reason) => {
    const { file, lines } = await checkFile('hf.yaml', hfEntry('Qwen/Qwen2.5-7B-Instruct', revision));
    const shown = revision.startsWith('"') ? revision.slice(1, -1) : revision;
    expect(lines).toEqual([
      `${file}:5:15: source.huggingface.revision '${shown}' is not a valid branch or tag name because it ${reason}; use a branch, a tag or a 40-hex commit`,
    ]);
  });

  test.each(['main', 'v2.0.1', 'refs/pr/12', 'a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e'])('accepts the revision %s', async (revision) => {
    const { lines } = await checkFile('hf.yaml', hfEntry('Qwen/Qwen2.5-7B-Instruct', revision));
    expect(lines).toEqual([]);
  });
});

describe('URL and S3 sources', () => {
  test('rejects a plain-http archive URL', async () => {
    const { file, lines } = await checkFile('u.yaml', sourceEntry('u', 'url: { url: "http://models.example.com/w.tar" }'));
    expect(lines).toEqual([`${file}:3:15: source.url.url 'http://models.example.com/w.tar' uses http instead of https; use an https:// URL without credentials`]);
  });

  test('rejects an archive URL with credentials and does not print them', async () => {
    const { file, lines } = await checkFile('u.yaml', sourceEntry('u', 'url: { url: "https://bob:hunter2@models.example.com/w.tar" }'));
    expect(lines).toEqual([
      `${file}:3:15: source.url.url 'https://***@models.example.com/w.tar' contains credentials, which must never be committed; use an https:// URL without credentials`,
    ]);
  });

  test.each([
    ['s3://My-Models/qwen/', "has an invalid bucket name 'My-Models'"],
    ['s3://my-models//qwen/', "contains an empty path part ('//')"],
    ['s3://my-models/qwen/../llama/', "contains a '.' or '..' path part"],
    ['https://my-models/qwen/', 'does not start with s3://'],
  ])('rejects the S3 URI %s', async (uri, reason) => {
    const { file, lines } = await checkFile('s.yaml', sourceEntry('s', `s3: { uri: "${uri}" }`));
    expect(lines).toEqual([
      `${file}:3:14: source.s3.uri '${uri}' ${reason}; write it as s3://bucket/prefix/ (for example 's3://my-models/qwen/qwen2-5-7b-instruct/')`,
    ]);
  });
});

describe('GPU request', () => {
  const known = 'T4, A10G, L4, L40S, A100, A100-80GB, H100, H200, B200';

  test('rejects an unknown GPU type, suggests the right case and lists the known ones', async () => {
    const { file, lines } = await checkFile('g.yaml', gpuEntry('g', '{ type: l4, count: 1 }'));
    expect(lines).toEqual([`${file}:6:16: serving.gpu.type 'l4' is not a known GPU type; did you mean 'L4'? (known: ${known})`]);
  });

  test('suggests the longer GPU name a prefix points at', async () => {
    const { file, lines } = await checkFile('g.yaml', gpuEntry('g', '{ type: A100-80, count: 1 }'));
    expect(lines).toEqual([`${file}:6:16: serving.gpu.type 'A100-80' is not a known GPU type; did you mean 'A100-80GB'? (known: ${known})`]);
  });

  test('lists the known types when nothing is close', async () => {
    const { file, lines } = await checkFile('g.yaml', gpuEntry('g', '{ type: TPUv5, count: 1 }'));
    expect(lines).toEqual([`${file}:6:16: serving.gpu.type 'TPUv5' is not a known GPU type; use one of the known types (known: ${known})`]);
  });

  test.each(['0', '3', '6', '16', '-2'])('rejects a GPU count of %s', async (count) => {
    const { file, lines } = await checkFile('g.yaml', gpuEntry('g', `{ type: L4, count: ${count} }`));
    expect(lines).toEqual([
      `${file}:6:27: serving.gpu.count is ${count}; use 1, 2, 4 or 8, because it is vLLM's tensor-parallel size, which must be a power of two that fits on one node`,
    ]);
  });

  test('rejects a count above what one node of that GPU type holds', () => {
    const small: GpuType[] = [{ name: 'L4', memoryGiB: 24, instanceFamilies: ['g6'], maxPerNode: 4 }];
    const data = { name: 'g', serving: { gpu: { type: 'L4', count: 8 } } };
    expect(semanticFindings(data, { fileName: 'g.yaml', gpuTypes: small })).toEqual([
      {
        code: 'catalog/gpu-count-exceeds-node',
        message: 'serving.gpu.count is 8, but one g6 node has at most 4 L4 GPUs; use at most 4, or a larger GPU type',
        path: ['serving', 'gpu', 'count'],
        at: 'value',
      },
    ]);
  });
});

describe('replicas and engine arguments', () => {
  test('rejects a minimum above the maximum', async () => {
    const { file, lines } = await checkFile('r.yaml', entryWithServing('r', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  replicas: { min: 3, max: 2 }'));
    expect(lines).toEqual([`${file}:7:20: serving.replicas.min is 3, more than serving.replicas.max (2); lower min or raise max`]);
  });

  test('rejects engine argument keys that are not kebab-case and proposes the flag name', async () => {
    const { file, lines } = await checkFile('e.yaml', entryWithServing('e', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  engineArgs:', '    max_num_seqs: 64', '    enablePrefixCaching: true', '    --swap-space: 4'));
    expect(lines).toEqual([
      `${file}:8:5: serving.engineArgs key 'max_num_seqs' is not a vLLM flag name in kebab-case; write it as 'max-num-seqs'`,
      `${file}:9:5: serving.engineArgs key 'enablePrefixCaching' is not a vLLM flag name in kebab-case; write it as 'enable-prefix-caching'`,
      `${file}:10:5: serving.engineArgs key '--swap-space' is not a vLLM flag name in kebab-case; write it as 'swap-space'`,
    ]);
  });

  test('rejects engine arguments that ray-gitops derives from the entry', async () => {
    const { file, lines } = await checkFile('e.yaml', entryWithServing('e', '  maxModelLen: 8192', '  gpu: { type: L4, count: 1 }', '  engineArgs:', '    tensor-parallel-size: 2', '    max-model-len: 4096'));
    expect(lines).toEqual([
      `${file}:8:5: serving.engineArgs key 'tensor-parallel-size' is set by ray-gitops from serving.gpu.count; remove it and change serving.gpu.count instead`,
      `${file}:9:5: serving.engineArgs key 'max-model-len' is set by ray-gitops from serving.maxModelLen; remove it and change serving.maxModelLen instead`,
    ]);
  });
});

describe('staging', () => {
  const withStaging = (source: string, staging: string): string =>
    ['name: big', 'source:', `  ${source}`, 'serving: { maxModelLen: 8192, gpu: { type: L4, count: 1 } }', `staging: ${staging}`, ''].join('\n');

  test('accepts a Hub model staged in the cluster by 4 pods', async () => {
    const { lines } = await checkFile('big.yaml', withStaging('huggingface: { repo: deepseek-ai/DeepSeek-R1 }', '{ where: cluster, shards: 4 }'));
    expect(lines).toEqual([]);
  });

  test('refuses in-cluster staging of a .tar URL, naming what to do', async () => {
    const { file, lines } = await checkFile('big.yaml', withStaging('url: { url: "https://models.example.com/m.tar" }', '{ where: cluster, shards: 2 }'));
    expect(lines).toEqual([`${file}:5:19: staging.where 'cluster' stages a huggingface source only; stage a url source on the runner (remove staging), an s3 source needs no staging`]);
  });

  test('refuses shards without where: cluster', async () => {
    const { file, lines } = await checkFile('big.yaml', withStaging('huggingface: { repo: deepseek-ai/DeepSeek-R1 }', '{ shards: 4 }'));
    expect(lines).toEqual([`${file}:5:20: staging.shards 4 splits the work over pods of an in-cluster Job; add 'where: cluster', or remove shards to stage on the runner`]);
  });

  test('refuses more than 64 shards', async () => {
    const { lines } = await checkFile('big.yaml', withStaging('huggingface: { repo: deepseek-ai/DeepSeek-R1 }', '{ where: cluster, shards: 65 }'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/staging.shards|64/);
  });
});
