import { DTYPE_BYTES, type ModelShape, type WeightDtype } from './model-shape.js';
import { gpuMemoryMiB, type GpuType } from '../catalog/gpu-types.js';

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/** vLLM's defaults that memory depends on. */
export const VLLM_DEFAULTS = {
  gpuMemoryUtilization: 0.9,
  /** tokens in the profiling forward pass (the V1 engine's default for online serving) */
  maxNumBatchedTokens: 8192,
  maxNumSeqs: 256,
} as const;

/** CUDA context, cuBLAS/NCCL workspaces and CUDA graphs, per GPU: what vLLM cannot give to the KV cache. */
export const RUNTIME_OVERHEAD_BYTES = 1 * GIB;

export interface ParameterCount {
  /** linear layers (attention and MLP), the part quantization shrinks */
  readonly linear: number;
  /** embeddings, lm_head, norms and biases, kept in 16 bits */
  readonly other: number;
  readonly total: number;
}

/** Parameters from the config's shape (decoder-only transformer with a gated MLP, as Llama, Mistral and Qwen are). */
export function countParameters(shape: ModelShape): ParameterCount {
  const { hiddenSize: h, attentionHeads, kvHeads, headDim, layers, vocabSize } = shape;
  const q = h * attentionHeads * headDim;
  const kv = 2 * h * kvHeads * headDim;
  const o = attentionHeads * headDim * h;
  const mlp = shape.experts ? shape.experts * 3 * h * shape.expertIntermediateSize! : 3 * h * shape.intermediateSize;
  const router = shape.experts ? h * shape.experts : 0;
  const bias = shape.attentionBias ? (attentionHeads + 2 * kvHeads) * headDim : 0;
  const linear = layers * (q + kv + o + mlp);
  const embedding = vocabSize * h;
  const other = embedding + (shape.tiedEmbeddings ? 0 : embedding) + layers * (2 * h + bias + router) + h;
  return { linear, other, total: linear + other };
}

/** Bytes of weights in GPU memory, estimated from the shape. */
export function estimateWeightBytes(shape: ModelShape, weightDtype: WeightDtype = shape.weightDtype): number {
  const count = countParameters(shape);
  return count.linear * DTYPE_BYTES[weightDtype] + count.other * DTYPE_BYTES[shape.dtype];
}

/** KV-cache bytes per token for the whole model: layers × KV heads × head dim × 2 (K and V) × dtype bytes. */
export function kvBytesPerToken(shape: ModelShape, kvDtypeBytes: number): number {
  return shape.layers * shape.kvHeads * shape.headDim * 2 * kvDtypeBytes;
}

/** KV heads one GPU holds: vLLM splits them across tensor-parallel ranks, and replicates them when there are fewer heads than ranks. */
export function kvHeadsPerGpu(shape: ModelShape, tensorParallel: number): number {
  return Math.max(1, shape.kvHeads / tensorParallel);
}

export interface FitOptions {
  readonly gpu: GpuType;
  /** tensor-parallel size: GPUs per replica */
  readonly count: number;
  readonly maxModelLen: number;
  /** weight bytes from the checkpoint's safetensors files, when known; otherwise estimated */
  readonly weightBytes?: number;
  readonly gpuMemoryUtilization?: number;
  /** `auto` (the model dtype) or an 8-bit cache (`fp8`, `fp8_e4m3`, `fp8_e5m2`) */
  readonly kvCacheDtype?: string;
  /** online quantization requested with vLLM's `quantization` argument (e.g. fp8) */
  readonly quantization?: string;
  readonly maxNumBatchedTokens?: number;
  readonly maxNumSeqs?: number;
}

export interface FitNumbers {
  readonly parameters: number;
  readonly weightBytes: number;
  readonly weightBytesSource: 'safetensors' | 'estimate';
  readonly weightBytesPerGpu: number;
  readonly kvDtypeBytes: number;
  /** whole model */
  readonly kvBytesPerToken: number;
  readonly kvBytesPerTokenPerGpu: number;
  readonly gpuMemoryBytes: number;
  readonly gpuMemoryUtilization: number;
  /** gpuMemoryBytes × utilization: what vLLM allows itself */
  readonly budgetBytes: number;
  readonly activationBytes: number;
  readonly overheadBytes: number;
  /** budget − weights − activations − overhead; may be negative */
  readonly kvCacheBytes: number;
  /** one sequence of maxModelLen tokens */
  readonly kvNeededBytes: number;
  /** tokens the KV cache holds on this configuration */
  readonly kvCacheTokens: number;
  /** sequences of maxModelLen tokens that fit at once */
  readonly concurrentSequences: number;
}

export interface FitVerdict extends FitNumbers {
  readonly gpu: string;
  readonly count: number;
  readonly maxModelLen: number;
  readonly fits: boolean;
  /** why it cannot run, one sentence each (memory, divisibility, context window, node size) */
  readonly problems: string[];
  /** the fewest GPUs (a power of two on one node) at which it fits, when the asked count does not */
  readonly smallestCount?: number;
  /** the longest max model length that fits on the asked GPUs, when maxModelLen does not */
  readonly largestMaxModelLen?: number;
}

/**
 * vLLM's memory arithmetic for one replica: each GPU gets `memory × gpu_memory_utilization`; weights
 * (split across the tensor-parallel ranks), the profiling pass's activations and the runtime's own
 * buffers come off the top; what is left is KV cache, which must hold at least one sequence of
 * max_model_len tokens or vLLM refuses to start.
 */
export function fitNumbers(shape: ModelShape, options: FitOptions): FitNumbers {
  const tp = options.count;
  const utilization = options.gpuMemoryUtilization ?? VLLM_DEFAULTS.gpuMemoryUtilization;
  const onlineFp8 = options.quantization !== undefined && /fp8/i.test(options.quantization);
  const weightDtype: WeightDtype = onlineFp8 ? 'fp8' : shape.weightDtype;
  const known = options.weightBytes !== undefined && options.weightBytes > 0 && !onlineFp8;
  const weightBytes = known ? (shape.storedAsFloat32 ? options.weightBytes! / 2 : options.weightBytes!) : estimateWeightBytes(shape, weightDtype);
  const kvDtypeBytes = options.kvCacheDtype !== undefined && /fp8|int8/i.test(options.kvCacheDtype) ? 1 : DTYPE_BYTES[shape.dtype];
  const perToken = kvBytesPerToken(shape, kvDtypeBytes);
  const perTokenPerGpu = shape.layers * kvHeadsPerGpu(shape, tp) * shape.headDim * 2 * kvDtypeBytes;
  const gpuMemoryBytes = gpuMemoryMiB(options.gpu) * MIB;
  const budgetBytes = gpuMemoryBytes * utilization;
  const tokens = options.maxNumBatchedTokens ?? VLLM_DEFAULTS.maxNumBatchedTokens;
  const seqs = options.maxNumSeqs ?? VLLM_DEFAULTS.maxNumSeqs;
  const intermediate = shape.experts ? shape.expertIntermediateSize! : shape.intermediateSize;
  const activationBytes =
    tokens * (4 * shape.hiddenSize + (2 * intermediate) / tp) * DTYPE_BYTES[shape.dtype] + seqs * (shape.vocabSize / tp) * 4;
  const weightBytesPerGpu = weightBytes / tp;
  const kvCacheBytes = budgetBytes - weightBytesPerGpu - activationBytes - RUNTIME_OVERHEAD_BYTES;
  const kvNeededBytes = options.maxModelLen * perTokenPerGpu;
  return {
    parameters: countParameters(shape).total,
    weightBytes,
    weightBytesSource: known ? 'safetensors' : 'estimate',
    weightBytesPerGpu,
    kvDtypeBytes,
    kvBytesPerToken: perToken,
    kvBytesPerTokenPerGpu: perTokenPerGpu,
    gpuMemoryBytes,
    gpuMemoryUtilization: utilization,
    budgetBytes,
    activationBytes,
    overheadBytes: RUNTIME_OVERHEAD_BYTES,
    kvCacheBytes,
    kvNeededBytes,
    kvCacheTokens: Math.max(0, Math.floor(kvCacheBytes / perTokenPerGpu)),
    concurrentSequences: kvCacheBytes > 0 ? Math.floor(kvCacheBytes / kvNeededBytes) : 0,
  };
}

/** Why a configuration cannot run regardless of memory. */
function structuralProblems(shape: ModelShape, options: FitOptions): string[] {
  const problems: string[] = [];
  const tp = options.count;
  if (tp > options.gpu.maxPerNode) problems.push(`${tp} GPUs do not fit on one ${options.gpu.name} node (at most ${options.gpu.maxPerNode})`);
  if (shape.attentionHeads % tp !== 0) problems.push(`vLLM needs the ${shape.attentionHeads} attention heads to divide evenly across ${tp} GPUs`);
  if (shape.kvHeads % tp !== 0 && tp % shape.kvHeads !== 0) problems.push(`the ${shape.kvHeads} KV heads cannot be split or replicated evenly across ${tp} GPUs`);
  if (shape.maxPositionEmbeddings !== undefined && options.maxModelLen > shape.maxPositionEmbeddings && !shape.ropeScaling) {
    problems.push(`max model length ${options.maxModelLen} is longer than the model's context window (${shape.maxPositionEmbeddings} tokens)`);
  }
  return problems;
}

const LENGTH_STEP = 256;

/** The verdict with the numbers, and when it does not fit, the smallest GPU count or the longest max length that would. */
export function fitModel(shape: ModelShape, options: FitOptions): FitVerdict {
  const numbers = fitNumbers(shape, options);
  const problems = structuralProblems(shape, options);
  const memoryFits = numbers.kvCacheBytes >= numbers.kvNeededBytes;
  if (!memoryFits) {
    problems.unshift(
      numbers.kvCacheBytes <= 0
        ? `the weights and runtime need ${gib(numbers.weightBytesPerGpu + numbers.activationBytes + numbers.overheadBytes)} per GPU, more than the ${gib(numbers.budgetBytes)} vLLM may use`
        : `one ${options.maxModelLen}-token sequence needs ${gib(numbers.kvNeededBytes)} of KV cache per GPU, but only ${gib(numbers.kvCacheBytes)} is left`,
    );
  }
  const fits = problems.length === 0;
  const verdict: FitVerdict = { ...numbers, gpu: options.gpu.name, count: options.count, maxModelLen: options.maxModelLen, fits, problems };
  if (fits) return verdict;

  let smallestCount: number | undefined;
  for (let count = 1; count <= options.gpu.maxPerNode; count *= 2) {
    if (count === options.count) continue;
    const candidate = { ...options, count };
    if (structuralProblems(shape, candidate).length > 0) continue;
    const other = fitNumbers(shape, candidate);
    if (other.kvCacheBytes >= other.kvNeededBytes) {
      smallestCount = count;
      break;
    }
  }
  let largestMaxModelLen: number | undefined;
  if (structuralProblems(shape, { ...options, maxModelLen: LENGTH_STEP }).length === 0 && numbers.kvCacheBytes > 0) {
    let length = Math.floor(numbers.kvCacheBytes / numbers.kvBytesPerTokenPerGpu / LENGTH_STEP) * LENGTH_STEP;
    if (shape.maxPositionEmbeddings !== undefined && !shape.ropeScaling) length = Math.min(length, shape.maxPositionEmbeddings);
    if (length >= LENGTH_STEP && length < options.maxModelLen) largestMaxModelLen = length;
  }
  return {
    ...verdict,
    ...(smallestCount !== undefined ? { smallestCount } : {}),
    ...(largestMaxModelLen !== undefined ? { largestMaxModelLen } : {}),
  };
}

export function gib(bytes: number): string {
  return `${(bytes / GIB).toFixed(2)} GiB`;
}
