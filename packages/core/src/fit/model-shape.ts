import { InputFileError } from '../errors/errors.js';

/** How the linear-layer weights are stored once vLLM has loaded them. */
export type WeightDtype = 'bfloat16' | 'float16' | 'fp8' | 'int8' | 'int4';

export const DTYPE_BYTES: Readonly<Record<WeightDtype, number>> = { bfloat16: 2, float16: 2, fp8: 1, int8: 1, int4: 0.5 };

/** The few config fields memory depends on, from a Hugging Face config.json or a Mistral params.json. */
export interface ModelShape {
  /** `LlamaForCausalLM`, `mistral (params.json)`, … */
  readonly architecture: string;
  readonly layers: number;
  readonly hiddenSize: number;
  readonly attentionHeads: number;
  /** key/value heads: equal to attentionHeads for MHA, fewer for GQA, 1 for MQA */
  readonly kvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly vocabSize: number;
  /** lm_head shares the embedding matrix */
  readonly tiedEmbeddings: boolean;
  /** dtype of unquantized weights and of activations (vLLM serves float32 checkpoints in 16 bits) */
  readonly dtype: 'bfloat16' | 'float16';
  /** whether the checkpoint is stored in float32 (its files are twice what vLLM keeps in memory) */
  readonly storedAsFloat32: boolean;
  /** dtype of the quantizable linear layers */
  readonly weightDtype: WeightDtype;
  /** quantization method from the checkpoint, when quantized */
  readonly quantization?: string;
  readonly maxPositionEmbeddings?: number;
  /** the config scales RoPE (YaRN, llama3, …), so contexts beyond max_position_embeddings may work */
  readonly ropeScaling: boolean;
  readonly attentionBias: boolean;
  /** mixture of experts: experts per layer and each expert's intermediate size */
  readonly experts?: number;
  readonly expertIntermediateSize?: number;
}

/** Reads a Hugging Face `config.json` (or the `text_config` of a multimodal one). */
export function parseHfConfig(config: unknown, what = 'config.json'): ModelShape {
  const root = record(config, what);
  const text = root.num_hidden_layers === undefined && root.text_config !== undefined ? record(root.text_config, `${what} text_config`) : root;
  const int = (key: string, fallback?: number): number => {
    const value = text[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw new InputFileError(`${what}: "${key}" must be a positive integer${value === undefined ? ' and is missing' : `, not ${JSON.stringify(value)}`}`);
    }
    return value;
  };
  const hiddenSize = int('hidden_size');
  const attentionHeads = int('num_attention_heads');
  const headDim = typeof text.head_dim === 'number' && text.head_dim > 0 ? text.head_dim : hiddenSize / attentionHeads;
  if (!Number.isInteger(headDim)) throw new InputFileError(`${what}: hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${attentionHeads} and there is no head_dim`);
  const experts = optionalInt(text.num_local_experts ?? text.num_experts ?? text.n_routed_experts);
  const torchDtype = String(root.torch_dtype ?? root.dtype ?? text.torch_dtype ?? text.dtype ?? 'bfloat16');
  const quantization = quantizationOf(root.quantization_config ?? text.quantization_config);
  const architectures = Array.isArray(root.architectures) ? root.architectures.filter((a): a is string => typeof a === 'string') : [];
  return {
    architecture: architectures[0] ?? String(text.model_type ?? root.model_type ?? 'unknown'),
    layers: int('num_hidden_layers'),
    hiddenSize,
    attentionHeads,
    kvHeads: int('num_key_value_heads', attentionHeads),
    headDim,
    intermediateSize: int('intermediate_size', 4 * hiddenSize),
    vocabSize: int('vocab_size'),
    // transformers defaults to tied; decoder LLM configs say so explicitly either way
    tiedEmbeddings: (text.tie_word_embeddings ?? root.tie_word_embeddings ?? false) === true,
    dtype: torchDtype === 'float16' ? 'float16' : 'bfloat16',
    storedAsFloat32: torchDtype === 'float32',
    weightDtype: quantization?.dtype ?? (torchDtype === 'float16' ? 'float16' : 'bfloat16'),
    ...(quantization ? { quantization: quantization.method } : {}),
    ...(optionalInt(text.max_position_embeddings) ? { maxPositionEmbeddings: optionalInt(text.max_position_embeddings)! } : {}),
    ropeScaling: isRecord(text.rope_scaling) && text.rope_scaling.type !== 'default' && text.rope_scaling.rope_type !== 'default',
    attentionBias: text.attention_bias === true || /qwen2/i.test(String(text.model_type ?? architectures[0] ?? '')),
    ...(experts ? { experts, expertIntermediateSize: optionalInt(text.moe_intermediate_size) ?? int('intermediate_size', 4 * hiddenSize) } : {}),
  };
}

/** Reads a Mistral-native `params.json` (dim, n_layers, n_heads, n_kv_heads, head_dim, hidden_dim, vocab_size). */
export function parseMistralParams(params: unknown, what = 'params.json'): ModelShape {
  const root = record(params, what);
  const int = (key: string, fallback?: number): number => {
    const value = root[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new InputFileError(`${what}: "${key}" must be a positive integer`);
    return value;
  };
  const hiddenSize = int('dim');
  const attentionHeads = int('n_heads');
  const moe = isRecord(root.moe) ? root.moe : undefined;
  const quantization = quantizationOf(root.quantization);
  return {
    architecture: 'mistral (params.json)',
    layers: int('n_layers'),
    hiddenSize,
    attentionHeads,
    kvHeads: int('n_kv_heads', attentionHeads),
    headDim: int('head_dim', hiddenSize / attentionHeads),
    intermediateSize: int('hidden_dim'),
    vocabSize: int('vocab_size'),
    tiedEmbeddings: root.tied_embeddings === true,
    dtype: 'bfloat16',
    storedAsFloat32: false,
    weightDtype: quantization?.dtype ?? 'bfloat16',
    ...(quantization ? { quantization: quantization.method } : {}),
    ...(optionalInt(root.max_seq_len) ? { maxPositionEmbeddings: optionalInt(root.max_seq_len)! } : {}),
    ropeScaling: isRecord(root.yarn),
    attentionBias: false,
    ...(moe && optionalInt(moe.num_experts) ? { experts: optionalInt(moe.num_experts)!, expertIntermediateSize: int('hidden_dim') } : {}),
  };
}

/** The stored dtype of quantized linear layers, from a quantization_config. */
function quantizationOf(config: unknown): { method: string; dtype: WeightDtype } | undefined {
  if (!isRecord(config)) return undefined;
  const method = String(config.quant_method ?? config.qformat_weight ?? 'unknown').toLowerCase();
  const bits = optionalInt(config.bits ?? config.w_bit ?? config.weight_bits);
  if (method.includes('fp8') || method === 'fbgemm_fp8' || method === 'modelopt') return { method, dtype: 'fp8' };
  if (method === 'compressed-tensors' && isRecord(config.config_groups)) {
    const groups = Object.values(config.config_groups).filter(isRecord);
    const numBits = groups
      .map((group) => (isRecord(group.weights) ? optionalInt(group.weights.num_bits) : undefined))
      .find((value) => value !== undefined);
    const floating = groups.some((group) => isRecord(group.weights) && group.weights.type === 'float');
    if (numBits === 8) return { method, dtype: floating ? 'fp8' : 'int8' };
    if (numBits === 4) return { method, dtype: 'int4' };
  }
  if (method === 'bitsandbytes') return { method, dtype: config.load_in_4bit === true ? 'int4' : 'int8' };
  if (method === 'mxfp4' || bits === 4 || ['awq', 'gptq', 'awq_marlin', 'gptq_marlin', 'aqlm', 'hqq'].includes(method)) return { method, dtype: bits === 8 ? 'int8' : 'int4' };
  if (bits === 8) return { method, dtype: 'int8' };
  return { method, dtype: 'bfloat16' };
}

function optionalInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  throw new InputFileError(`${what} must be a JSON object`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
