import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LLAMA_3_1_70B_FP8, LLAMA_3_70B, LLAMA_3_8B, MISTRAL_7B, MISTRAL_7B_PARAMS, QWEN_2_5_7B } from '@ray-gitops/testkit/fit-configs';
import { entry, tempDir } from '@ray-gitops/testkit/render-helpers';
import { describe, expect, test } from 'vitest';
import { findGpuType } from '../../src/catalog/gpu-types.js';
import {
  checkCatalogFit,
  countParameters,
  describeMisfit,
  fitCatalogEntry,
  fitModel,
  formatFitVerdict,
  GIB,
  loadModelMetadataFromDir,
  ModelMetadataError,
  parseHfConfig,
  parseMistralParams,
  safetensorsBytes,
  type ModelShape,
} from '../../src/fit/index.js';
import { selectFiles } from '../../src/stage/select.js';
import { detectWeightFormat } from '../../src/staged/weight-format.js';

const fit = (shape: ModelShape, gpu: string, count: number, maxModelLen: number, extra: Record<string, unknown> = {}) =>
  fitModel(shape, { gpu: findGpuType(gpu)!, count, maxModelLen, ...extra });

const llama8 = parseHfConfig(LLAMA_3_8B);
const llama70 = parseHfConfig(LLAMA_3_70B);
const qwen7 = parseHfConfig(QWEN_2_5_7B);
const mistral7 = parseHfConfig(MISTRAL_7B);

describe('KV-cache bytes per token = layers × KV heads × head dim × 2 × dtype bytes', () => {
  test.each([
    ['Llama-3-8B (GQA, 8 KV heads)', llama8, 32 * 8 * 128 * 2 * 2],
    ['Llama-3-70B (GQA, 8 KV heads)', llama70, 80 * 8 * 128 * 2 * 2],
    ['Qwen2.5-7B (GQA, 4 KV heads)', qwen7, 28 * 4 * 128 * 2 * 2],
    ['Mistral-7B (GQA, 8 KV heads)', mistral7, 32 * 8 * 128 * 2 * 2],
  ])('%s', (_name, shape, bytes) => {
    expect(fit(shape, 'H100', 1, 4096).kvBytesPerToken).toBe(bytes);
  });

  test('131,072 bytes (128 KiB) for Llama-3-8B, 327,680 for 70B, 57,344 for Qwen2.5-7B', () => {
    expect([llama8, llama70, qwen7].map((shape) => fit(shape, 'H100', 8, 4096).kvBytesPerToken)).toEqual([131072, 327680, 57344]);
  });

  test('an fp8 KV cache halves it; bf16 and fp16 are two bytes', () => {
    expect(fit(llama8, 'L4', 1, 8192, { kvCacheDtype: 'fp8' }).kvBytesPerToken).toBe(65536);
    expect(fit(parseHfConfig({ ...LLAMA_3_8B, torch_dtype: 'float16' }), 'L4', 1, 8192).kvBytesPerToken).toBe(131072);
  });

  test('MHA (no num_key_value_heads) and MQA (one KV head)', () => {
    const mha = parseHfConfig({ ...LLAMA_3_8B, num_key_value_heads: undefined });
    const mqa = parseHfConfig({ ...LLAMA_3_8B, num_key_value_heads: 1 });
    expect(mha.kvHeads).toBe(32);
    expect(fit(mha, 'H100', 1, 4096).kvBytesPerToken).toBe(32 * 32 * 128 * 4);
    expect(fit(mqa, 'H100', 1, 4096).kvBytesPerToken).toBe(32 * 1 * 128 * 4);
  });

  test('tensor parallelism splits KV heads across GPUs, and replicates them when there are fewer heads than GPUs', () => {
    expect(fit(llama70, 'H100', 8, 8192).kvBytesPerTokenPerGpu).toBe(80 * 1 * 128 * 2 * 2);
    const mqa = parseHfConfig({ ...LLAMA_3_8B, num_key_value_heads: 1 });
    expect(fit(mqa, 'H100', 4, 8192).kvBytesPerTokenPerGpu).toBe(32 * 1 * 128 * 2 * 2);
  });
});

describe('weights', () => {
  test('parameters from the config shape match the published sizes', () => {
    expect(countParameters(llama8).total / 1e9).toBeCloseTo(8.03, 2);
    expect(countParameters(llama70).total / 1e9).toBeCloseTo(70.55, 1);
    expect(countParameters(qwen7).total / 1e9).toBeCloseTo(7.62, 1);
    expect(countParameters(mistral7).total / 1e9).toBeCloseTo(7.25, 2);
  });

  test('tied embeddings drop the lm_head', () => {
    const tied = parseHfConfig({ ...QWEN_2_5_7B, tie_word_embeddings: true });
    expect(countParameters(qwen7).total - countParameters(tied).total).toBe(152064 * 3584);
  });

  test('an fp8 checkpoint keeps linear layers in one byte', () => {
    const fp8 = parseHfConfig(LLAMA_3_1_70B_FP8);
    expect(fp8.weightDtype).toBe('fp8');
    const verdict = fit(fp8, 'H200', 1, 32768);
    expect(verdict.weightBytes / GIB).toBeGreaterThan(65);
    expect(verdict.weightBytes / GIB).toBeLessThan(70);
    expect(verdict.fits).toBe(true);
  });

  test('online fp8 quantization (the quantization engine argument) is counted the same way', () => {
    expect(fit(llama70, 'H200', 1, 8192, { quantization: 'fp8' }).weightBytes).toBeCloseTo(fit(parseHfConfig(LLAMA_3_1_70B_FP8), 'H200', 1, 8192).weightBytes, -3);
  });

  test('safetensors sizes win over the estimate when known', () => {
    const verdict = fit(llama8, 'L4', 1, 8192, { weightBytes: 16_060_522_496 });
    expect(verdict.weightBytesSource).toBe('safetensors');
    expect(verdict.weightBytes).toBe(16_060_522_496);
  });

  test('only one weight format counts: sharded model files, else consolidated, never original/', () => {
    expect(safetensorsBytes([
      { path: 'model-00001-of-00002.safetensors', size: 10 },
      { path: 'model-00002-of-00002.safetensors', size: 5 },
      { path: 'consolidated.safetensors', size: 15 },
      { path: 'original/consolidated.00.pth', size: 15 },
    ])).toBe(15);
    expect(safetensorsBytes([{ path: 'consolidated.safetensors', size: 14 }, { path: 'params.json', size: 1 }])).toBe(14);
    expect(safetensorsBytes([{ path: 'pytorch_model.bin', size: 14 }])).toBeUndefined();
  });

  test('sizes exactly the safetensors the stager stages, and the staged record calls them by the same layout', () => {
    // a checkpoint in both layouts: Hugging Face shards beside Mistral's consolidated shards
    const sizes = { 'config.json': 1, 'params.json': 1, 'model-00001-of-00002.safetensors': 10, 'model-00002-of-00002.safetensors': 5, 'consolidated-00001-of-00002.safetensors': 7, 'consolidated-00002-of-00002.safetensors': 8 };
    const both = Object.entries(sizes).map(([path, size]) => ({ path, size }));
    const mistral = both.filter((file) => !file.path.startsWith('model-') && file.path !== 'config.json');
    for (const files of [both, mistral]) {
      const staged = selectFiles(files).files.filter((file) => file.path.endsWith('.safetensors'));
      expect(safetensorsBytes(files)).toBe(staged.reduce((sum, file) => sum + file.size, 0));
    }
    expect(selectFiles(both).files.map((file) => file.path)).not.toContain('consolidated-00001-of-00002.safetensors');
    expect(detectWeightFormat(selectFiles(mistral).files.map((file) => file.path))).toBe('mistral');
    expect(detectWeightFormat(selectFiles(both).files.map((file) => file.path))).toBe('huggingface');
  });
});

describe('the verdict on L4, L40S and H100', () => {
  test.each([
    ['Llama-3-8B', llama8, 8192, { L4: true, L40S: true, H100: true }],
    ['Llama-3-70B', llama70, 8192, { L4: false, L40S: false, H100: false }],
    ['Qwen2.5-7B', qwen7, 32768, { L4: true, L40S: true, H100: true }],
    ['Mistral-7B', mistral7, 32768, { L4: true, L40S: true, H100: true }],
  ])('%s on one GPU at its context length', (_name, shape, maxModelLen, expected) => {
    for (const [gpu, fits] of Object.entries(expected)) expect(fit(shape, gpu, 1, maxModelLen).fits, gpu).toBe(fits);
  });

  test('Llama-3-70B: the smallest GPU count that fits is 2 H100s, 4 L40S, 8 L4s', () => {
    expect(fit(llama70, 'H100', 1, 8192).smallestCount).toBe(2);
    expect(fit(llama70, 'L40S', 1, 8192).smallestCount).toBe(4);
    expect(fit(llama70, 'L4', 1, 8192).smallestCount).toBe(8);
    expect(fit(llama70, 'H100', 4, 8192).fits).toBe(true);
  });

  test('Llama-3-8B on an L4 fits three 8K sequences, with 1 GiB needed per sequence', () => {
    const verdict = fit(llama8, 'L4', 1, 8192);
    expect(verdict.kvNeededBytes).toBe(GIB);
    expect(verdict.concurrentSequences).toBe(3);
    expect(verdict.weightBytesPerGpu / GIB).toBeCloseTo(14.96, 1);
  });

  test('a context longer than the model was trained for does not fit, and says how long would', () => {
    const verdict = fit(llama8, 'L4', 1, 32768);
    expect(verdict.fits).toBe(false);
    expect(verdict.problems.join('\n')).toContain("longer than the model's context window (8192 tokens)");
    expect(verdict.largestMaxModelLen).toBe(8192);
  });

  test('when the KV cache is the limit, the longest max length that fits is offered', () => {
    const fp8 = parseHfConfig(LLAMA_3_1_70B_FP8);
    const verdict = fit(fp8, 'H100', 1, 8192);
    expect(verdict.fits).toBe(false);
    expect(verdict.problems[0]).toMatch(/needs 2.50 GiB of KV cache per GPU, but only/);
    expect(verdict.largestMaxModelLen).toBeGreaterThan(4096);
    expect(verdict.largestMaxModelLen! % 256).toBe(0);
    expect(verdict.smallestCount).toBe(2);
    expect(fit(fp8, 'H100', 1, verdict.largestMaxModelLen!).fits).toBe(true);
  });

  test('a tensor-parallel size the heads do not divide into is refused', () => {
    const verdict = fit(qwen7, 'H100', 8, 32768);
    expect(verdict.fits).toBe(false);
    expect(verdict.problems).toContain('vLLM needs the 28 attention heads to divide evenly across 8 GPUs');
    expect(verdict.smallestCount).toBe(1);
  });

  test('gpu-memory-utilization shrinks the budget', () => {
    expect(fit(mistral7, 'L4', 1, 32768).fits).toBe(true);
    expect(fit(mistral7, 'L4', 1, 32768, { gpuMemoryUtilization: 0.8 }).fits).toBe(false);
  });

  test('prints the numbers and the verdict', () => {
    const lines = formatFitVerdict('meta-llama/Meta-Llama-3-70B-Instruct', llama70, fit(llama70, 'H100', 1, 8192));
    expect(lines[0]).toBe('meta-llama/Meta-Llama-3-70B-Instruct on 1× H100 (79.65 GiB each) at max model length 8192');
    expect(lines.join('\n')).toContain('320.0 KiB per token = 80 layers × 8 KV heads × 128 head dim × 2 × 2 bytes');
    expect(lines.join('\n')).toContain('does not fit: the weights and runtime need');
    expect(lines.join('\n')).toContain('fits on 2× H100 (serving.gpu.count: 2)');
  });
});

describe('model metadata', () => {
  test('a Mistral-native params.json reads the same shape as its config.json', () => {
    const native = parseMistralParams(MISTRAL_7B_PARAMS);
    for (const key of ['layers', 'hiddenSize', 'attentionHeads', 'kvHeads', 'headDim', 'intermediateSize', 'vocabSize'] as const) expect(native[key], key).toBe(mistral7[key]);
  });

  test('a local directory gives the config and the safetensors sizes', async () => {
    const dir = await tempDir('model');
    await writeFile(join(dir, 'config.json'), JSON.stringify(QWEN_2_5_7B));
    await mkdir(join(dir, 'original'));
    await writeFile(join(dir, 'model-00001-of-00002.safetensors'), Buffer.alloc(1000));
    await writeFile(join(dir, 'model-00002-of-00002.safetensors'), Buffer.alloc(500));
    await writeFile(join(dir, 'original', 'big.safetensors'), Buffer.alloc(9000));
    const metadata = await loadModelMetadataFromDir(dir);
    expect(metadata.weightBytes).toBe(1500);
    expect(metadata.shape.kvHeads).toBe(4);
  });

  test('a directory without a config says what is missing', async () => {
    await expect(loadModelMetadataFromDir(await tempDir('empty'))).rejects.toThrow(/neither config.json nor params.json/);
  });

  test('a config without the needed fields says which', () => {
    expect(() => parseHfConfig({ hidden_size: 4096 })).toThrow(/"num_attention_heads" must be a positive integer and is missing/);
  });
});

describe('fit of a catalog entry', () => {
  test('uses the entry’s GPU, count, context and engine arguments, and says what would fit', () => {
    const llama = entry({ name: 'llama', serving: { gpu: { type: 'H100', count: 1 }, maxModelLen: 8192, engineArgs: { 'gpu-memory-utilization': 0.95 } } });
    const verdict = fitCatalogEntry(llama, { label: 'meta-llama/Meta-Llama-3-70B-Instruct', shape: llama70 });
    expect(verdict.gpuMemoryUtilization).toBe(0.95);
    expect(verdict.fits).toBe(false);
    expect(describeMisfit(verdict)).toMatch(/^does not fit on 1× H100 at 8192 tokens: .*; set serving.gpu.count to 2$/);
  });
});

describe('the fit check of a catalog', () => {
  test('an entry that does not fit is an error at its serving.gpu.count, with the count that would fit', async () => {
    const dir = await tempDir('catalog-fit');
    const file = join(dir, 'llama.yaml');
    await writeFile(file, 'name: llama\nsource:\n  huggingface:\n    repo: meta-llama/Meta-Llama-3-70B-Instruct\nserving:\n  maxModelLen: 8192\n  gpu: { type: H100, count: 1 }\n');
    const llama = { file, entry: entry({ name: 'llama', serving: { gpu: { type: 'H100', count: 1 }, maxModelLen: 8192 } }) };
    const diagnostics = await checkCatalogFit([llama], async () => ({ label: 'meta-llama/Meta-Llama-3-70B-Instruct@main', shape: llama70 }));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'catalog/does-not-fit', location: { file, line: 7, column: 29 } });
    expect(diagnostics[0]!.message).toMatch(/^meta-llama\/Meta-Llama-3-70B-Instruct@main does not fit on 1× H100 at 8192 tokens: .*; set serving.gpu.count to 2$/);
  });

  test('entries that fit, or have no metadata, say nothing; unreachable metadata is a warning', async () => {
    const dir = await tempDir('catalog-fit');
    const file = join(dir, 'qwen.yaml');
    await writeFile(file, 'name: qwen\n');
    const qwen = { file, entry: entry({ name: 'qwen' }) };
    expect(await checkCatalogFit([qwen], async () => ({ label: 'Qwen', shape: qwen7 }))).toEqual([]);
    expect(await checkCatalogFit([qwen], async () => undefined)).toEqual([]);
    const warnings = await checkCatalogFit([qwen], async () => {
      throw new ModelMetadataError('Qwen/x is gated or private (HTTP 401)');
    });
    expect(warnings).toMatchObject([{ severity: 'warning', code: 'catalog/fit-unknown' }]);
  });
});
