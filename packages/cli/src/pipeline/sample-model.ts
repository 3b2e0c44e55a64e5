import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeSafetensors, type Tensor } from './safetensors.js';

/** The directory name is the model's name in S3 (`<prefix>/local/<name>/<content hash>/`). */
export const SAMPLE_MODEL_NAME = 'tiny-llm';

/**
 * A tiny Llama-shaped model (random bf16 weights, ~8 MiB in two shards): the same kinds of files a Hub
 * repository holds, so staging it exercises the real path, yet small enough to stage in a second.
 */
const ARCH = {
  hiddenSize: 256,
  intermediateSize: 1024,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  vocabSize: 512,
  maxPositions: 2048,
} as const;

const SPECIAL_TOKENS = ['<unk>', '<s>', '</s>'] as const;

export interface SampleModelFile {
  readonly path: string;
  readonly content: Buffer;
}

/** Every file of the sample model, byte for byte the same on every call. */
export function sampleModelFiles(): SampleModelFile[] {
  const shards = [
    { path: 'model-00001-of-00002.safetensors', tensors: [embedding('model.embed_tokens.weight'), ...layers(0, 2)] },
    {
      path: 'model-00002-of-00002.safetensors',
      tensors: [...layers(2, 4), ones('model.norm.weight', ARCH.hiddenSize), embedding('lm_head.weight')],
    },
  ];
  const placed = shards.flatMap((shard) => shard.tensors.map((tensor) => ({ tensor, shard: shard.path })));
  const index = {
    metadata: { total_size: placed.reduce((sum, { tensor }) => sum + tensor.data.length, 0) },
    weight_map: Object.fromEntries(placed.map(({ tensor, shard }) => [tensor.name, shard]).sort(([a], [b]) => (a! < b! ? -1 : 1))),
  };
  return [
    { path: 'config.json', content: json(config()) },
    { path: 'generation_config.json', content: json({ bos_token_id: 1, eos_token_id: 2, do_sample: true, temperature: 0.7, top_p: 0.9 }) },
    ...shards.map((shard) => ({ path: shard.path, content: encodeSafetensors(shard.tensors) })),
    { path: 'model.safetensors.index.json', content: json(index) },
    { path: 'special_tokens_map.json', content: json({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }) },
    { path: 'tokenizer.json', content: json(tokenizer()) },
    {
      path: 'tokenizer_config.json',
      content: json({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', model_max_length: ARCH.maxPositions }),
    },
  ];
}

export interface WrittenSampleModel {
  readonly dir: string;
  readonly files: number;
  readonly bytes: number;
  /** files written because they were missing or different; 0 on a re-run */
  readonly written: number;
}

/** Writes the sample model into `dir`, leaving identical files alone and removing files it does not hold. */
export async function writeSampleModel(dir: string): Promise<WrittenSampleModel> {
  const files = sampleModelFiles();
  await mkdir(dir, { recursive: true });
  const wanted = new Set(files.map((file) => file.path));
  for (const name of await readdir(dir)) if (!wanted.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  let written = 0;
  for (const file of files) {
    const target = join(dir, file.path);
    const current = await readFile(target).catch(() => undefined);
    if (current?.equals(file.content)) continue;
    await writeFile(target, file.content);
    written += 1;
  }
  return { dir, files: files.length, bytes: files.reduce((sum, file) => sum + file.content.length, 0), written };
}

function config(): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: ARCH.hiddenSize,
    intermediate_size: ARCH.intermediateSize,
    num_hidden_layers: ARCH.layers,
    num_attention_heads: ARCH.heads,
    num_key_value_heads: ARCH.kvHeads,
    head_dim: ARCH.hiddenSize / ARCH.heads,
    vocab_size: ARCH.vocabSize,
    max_position_embeddings: ARCH.maxPositions,
    hidden_act: 'silu',
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    bos_token_id: 1,
    eos_token_id: 2,
  };
}

/** A WordLevel tokenizer: the special tokens, printable ASCII, then reserved slots up to the vocabulary size. */
function tokenizer(): Record<string, unknown> {
  const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i));
  const words = [...SPECIAL_TOKENS, ...printable];
  while (words.length < ARCH.vocabSize) words.push(`<reserved_${words.length}>`);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(words.map((word, id) => [word, id])), unk_token: '<unk>' },
  };
}

function layers(from: number, to: number): Tensor[] {
  const { hiddenSize: h, intermediateSize: m } = ARCH;
  const kv = (ARCH.kvHeads * h) / ARCH.heads;
  const tensors: Tensor[] = [];
  for (let layer = from; layer < to; layer++) {
    const name = (part: string) => `model.layers.${layer}.${part}.weight`;
    tensors.push(
      ones(name('input_layernorm'), h),
      random(name('mlp.down_proj'), [h, m]),
      random(name('mlp.gate_proj'), [m, h]),
      random(name('mlp.up_proj'), [m, h]),
      ones(name('post_attention_layernorm'), h),
      random(name('self_attn.k_proj'), [kv, h]),
      random(name('self_attn.o_proj'), [h, h]),
      random(name('self_attn.q_proj'), [h, h]),
      random(name('self_attn.v_proj'), [kv, h]),
    );
  }
  return tensors;
}

function embedding(name: string): Tensor {
  return random(name, [ARCH.vocabSize, ARCH.hiddenSize]);
}

/** bf16 1.0 (0x3f80) everywhere: what a freshly initialised RMSNorm holds. */
function ones(name: string, size: number): Tensor {
  const data = new Uint16Array(size).fill(0x3f80);
  return { name, dtype: 'BF16', shape: [size], data: new Uint8Array(data.buffer) };
}

/** Small bf16 values drawn from SHAKE-256 of the tensor's name, so every run writes the same bytes. */
function random(name: string, shape: readonly number[]): Tensor {
  const count = shape.reduce((product, dim) => product * dim, 1);
  // copied into an ArrayBuffer of its own: a small digest may sit at any offset of Node's shared pool
  const noise = new Uint16Array(new Uint8Array(createHash('shake256', { outputLength: 2 * count }).update(name).digest()).buffer);
  const floats = new Float32Array(count);
  for (let i = 0; i < count; i++) floats[i] = (noise[i]! / 0x1_0000 - 0.5) * 0.04;
  // bf16 is the upper half of a float32 (on little-endian hosts: the odd 16-bit words)
  const words = new Uint16Array(floats.buffer);
  const data = new Uint16Array(count);
  for (let i = 0; i < count; i++) data[i] = words[2 * i + 1]!;
  return { name, dtype: 'BF16', shape, data: new Uint8Array(data.buffer) };
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}
