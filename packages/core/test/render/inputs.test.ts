import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { entry, REPO_ROOT, tempDir } from '@ray-gitops/testkit/render-helpers';
import { describe, expect, test } from 'vitest';
import { InputFileError, UsageError } from '../../src/errors/index.js';
import {
  detectWeightFormat,
  engineArgsJson,
  loadRenderSettings,
  loadRuntimeVersions,
  parseImageRef,
  parseRenderSettings,
  parseStagedModels,
  placeModel,
  sourceIdentity,
} from '../../src/render/index.js';

describe('the image reference', () => {
  test('must be pinned by digest', () => {
    const digest = 'a'.repeat(64);
    expect(parseImageRef(`123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${digest}`)).toMatchObject({ repository: '123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm', digest: `sha256:${digest}` });
    expect(parseImageRef(`localhost:5000/team/ray-vllm:ctx-1a2b@sha256:${digest}`)).toMatchObject({ tag: 'ctx-1a2b' });
    expect(() => parseImageRef('ray-vllm:latest')).toThrow(UsageError);
    expect(() => parseImageRef('ray-vllm:latest')).toThrow(/':latest' moves under you/);
    expect(() => parseImageRef(`ray-vllm@sha256:${'a'.repeat(63)}`)).toThrow(/not pinned by digest/);
  });
});

describe('docker/versions.json', () => {
  test('the committed file is the one source of the Ray version', async () => {
    const versions = await loadRuntimeVersions(join(REPO_ROOT, 'docker', 'versions.json'));
    expect(versions.ray).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versions.baseImage).toContain(versions.ray);
  });

  test('a missing or broken file says what it is for', async () => {
    await expect(loadRuntimeVersions('/nonexistent/versions.json')).rejects.toThrow(/holds the Ray version every RayService declares/);
    const dir = await tempDir('versions');
    await writeFile(join(dir, 'v.json'), JSON.stringify({ ray: 'latest', vllm: '0.11.0', python: '3.11', cuda: '12.8', baseImage: 'x:1' }));
    await expect(loadRuntimeVersions(join(dir, 'v.json'))).rejects.toThrow(/"ray" must be a string like "2.52.0"/);
  });
});

describe('render settings', () => {
  test('only repoURL is required; the rest defaults', () => {
    expect(parseRenderSettings({ repoURL: 'https://github.com/o/r.git' })).toMatchObject({ targetRevision: 'main', path: 'gitops', namespace: 'llm-serving', gpuNodeLabels: 'karpenter' });
  });

  test('rejects unknown keys, bad values and a missing file with a sentence that says what to do', async () => {
    expect(() => parseRenderSettings({ repoURL: 'https://x/y.git', namespcae: 'a' })).toThrow(/unknown setting 'namespcae'/);
    expect(() => parseRenderSettings({ repoURL: 'https://x/y.git', gpuNodeLabels: 'gke' })).toThrow(/karpenter, eks-auto-mode, nvidia-gfd/);
    expect(() => parseRenderSettings({})).toThrow(/'repoURL' is required/);
    await expect(loadRenderSettings('/nonexistent/render-settings.yaml')).rejects.toBeInstanceOf(InputFileError);
  });

  test('the committed settings parse', async () => {
    expect((await loadRenderSettings(join(REPO_ROOT, 'gitops', 'render-settings.yaml'))).addons.kuberay.version).toBe('1.7.0');
  });
});

describe('the staged-prefix map', () => {
  test('reads prestage records by model name, with their aliases, and detects Mistral-native files', () => {
    const staged = parseStagedModels(
      JSON.stringify({
        qwen: { s3Uri: 's3://bkt/models/Qwen/Qwen2.5-7B-Instruct/abc', commit: 'abc', manifest_uri: 's3://bkt/models/.manifests/Qwen/Qwen2.5-7B-Instruct/abc.json' },
        mistral: { uri: 's3://bkt/models/url/mistral/123/', files: [{ path: 'params.json' }, 'consolidated.safetensors', 'tokenizer.model.v3'] },
      }),
    );
    expect(staged.get('qwen')).toEqual({
      uri: 's3://bkt/models/Qwen/Qwen2.5-7B-Instruct/abc/',
      commit: 'abc',
      manifestUri: 's3://bkt/models/.manifests/Qwen/Qwen2.5-7B-Instruct/abc.json',
    });
    expect(staged.get('mistral')?.format).toBe('mistral');
  });

  test('also takes a list of records with names', () => {
    expect([...parseStagedModels(JSON.stringify([{ name: 'a', uri: 's3://bkt/a/' }])).keys()]).toEqual(['a']);
  });

  test('rejects what it cannot use, saying where', () => {
    expect(() => parseStagedModels('{')).toThrow(/not valid JSON/);
    expect(() => parseStagedModels(JSON.stringify({ a: { uri: 'https://x/' } }))).toThrow(/model 'a': "uri" must be the staged s3:\/\/bucket\/prefix\//);
    expect(() => parseStagedModels(JSON.stringify([{ name: 'a', uri: 's3://bkt/a/' }, { name: 'a', uri: 's3://bkt/b/' }]))).toThrow(/names model 'a' twice/);
  });

  test('detects the layout from file names', () => {
    expect(detectWeightFormat(['params.json', 'consolidated.safetensors', 'tokenizer.model.v3'])).toBe('mistral');
    expect(detectWeightFormat(['config.json', 'model-00001-of-00004.safetensors', 'params.json', 'consolidated.safetensors'])).toBe('huggingface');
    expect(detectWeightFormat([])).toBeUndefined();
  });
});

describe('where a model is read from', () => {
  const qwen = entry({ name: 'qwen', source: { kind: 'huggingface', repo: 'Qwen/Qwen2.5-7B-Instruct', revision: 'main' } });
  const record = { uri: 's3://bkt/m/Qwen/Qwen2.5-7B-Instruct/abc/', commit: 'abc', manifestUri: '' };

  test('the staged map first, then an S3 source, then the previous render, else pending', () => {
    expect(placeModel(qwen, record, undefined).placement.origin).toBe('staged');
    expect(placeModel(entry({ name: 's', source: { kind: 's3', uri: 's3://bkt/w/' } }), undefined, undefined).placement).toMatchObject({ origin: 'catalog-s3', source: 's3://bkt/w/' });
    const previous = { sourceIdentity: sourceIdentity(qwen.source), source: record.uri, commit: 'abc', manifest: '', format: 'huggingface' as const };
    expect(placeModel(qwen, undefined, previous).placement.origin).toBe('previous-render');
    expect(placeModel(qwen, undefined, { ...previous, sourceIdentity: 'huggingface:Qwen/Qwen2.5-7B-Instruct@v1' }).placement.origin).toBe('pending');
  });

  test('a staging record for another source is ignored with a warning', () => {
    const { placement, warning } = placeModel(qwen, { ...record, source: 'huggingface:Qwen/Qwen2.5-7B@main' }, undefined);
    expect(placement.origin).toBe('pending');
    expect(warning).toMatch(/was staged from huggingface:Qwen\/Qwen2.5-7B@main, but the catalog now says huggingface:Qwen\/Qwen2.5-7B-Instruct@main/);
  });

  test('engine arguments become sorted snake_case JSON', () => {
    expect(engineArgsJson({ 'max-num-seqs': 64, 'enable-prefix-caching': true, 'kv-cache-dtype': 'fp8' }, { format: 'huggingface' })).toBe(
      '{"enable_prefix_caching":true,"kv_cache_dtype":"fp8","max_num_seqs":64}',
    );
    expect(engineArgsJson({ 'tokenizer-mode': 'mistral', 'config-format': 'mistral', 'max-num-seqs': 8 }, { format: 'mistral' })).toBe('{"max_num_seqs":8}');
  });
});
