import { fitModel, gib, GIB, type FitVerdict } from './estimate.js';
import type { ModelMetadata } from './metadata.js';
import type { ModelShape } from './model-shape.js';
import { findGpuType, type GpuType } from '../catalog/gpu-types.js';
import type { EngineArgValue, ModelEntry } from '../catalog/model-entry.js';
import { UsageError } from '../errors/errors.js';

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** The verdict as the lines `ray-gitops fit` prints: the numbers, then the verdict and what would fit. */
export function formatFitVerdict(label: string, shape: ModelShape, verdict: FitVerdict): string[] {
  const gpuGib = verdict.gpuMemoryBytes / GIB;
  const lines = [
    `${label} on ${verdict.count}× ${verdict.gpu} (${gpuGib.toFixed(2)} GiB each) at max model length ${verdict.maxModelLen}`,
    `  weights        ${gib(verdict.weightBytesPerGpu)} per GPU (${gib(verdict.weightBytes)} in all, ${(verdict.parameters / 1e9).toFixed(2)} B parameters, ${shape.weightDtype}${shape.quantization && shape.quantization !== shape.weightDtype ? ` (${shape.quantization})` : ''}, ${verdict.weightBytesSource === 'safetensors' ? 'from the safetensors sizes' : 'estimated from the config'})`,
    `  KV cache       ${kib(verdict.kvBytesPerToken)} per token = ${shape.layers} layers × ${shape.kvHeads} KV heads × ${shape.headDim} head dim × 2 × ${verdict.kvDtypeBytes} bytes; ${kib(verdict.kvBytesPerTokenPerGpu)} per GPU`,
    `  budget         ${gib(verdict.budgetBytes)} per GPU = ${gpuGib.toFixed(2)} GiB × gpu_memory_utilization ${verdict.gpuMemoryUtilization}`,
    `  other          ${gib(verdict.activationBytes)} activations (profiling pass) + ${gib(verdict.overheadBytes)} runtime per GPU`,
    `  KV cache room  ${gib(Math.max(0, verdict.kvCacheBytes))} per GPU = ${count(verdict.kvCacheTokens)} tokens; one ${verdict.maxModelLen}-token sequence needs ${gib(verdict.kvNeededBytes)}`,
  ];
  if (verdict.fits) {
    lines.push(`fits: ${count(verdict.concurrentSequences)} sequence(s) of ${verdict.maxModelLen} tokens at once`);
    return lines;
  }
  lines.push(`does not fit: ${verdict.problems.join('; ')}`);
  if (verdict.smallestCount !== undefined) lines.push(`  fits on ${verdict.smallestCount}× ${verdict.gpu} (serving.gpu.count: ${verdict.smallestCount})`);
  if (verdict.largestMaxModelLen !== undefined) lines.push(`  fits on ${verdict.count}× ${verdict.gpu} with max model length ${verdict.largestMaxModelLen} (serving.maxModelLen: ${verdict.largestMaxModelLen})`);
  if (verdict.smallestCount === undefined && verdict.largestMaxModelLen === undefined) lines.push(`  no count of ${verdict.gpu} on one node fits; choose a larger GPU type or a quantized checkpoint`);
  return lines;
}

/** vLLM settings from a catalog entry's engine arguments that change the memory arithmetic. */
export function fitSettingsFromEngineArgs(engineArgs: Readonly<Record<string, EngineArgValue>>): {
  gpuMemoryUtilization?: number;
  kvCacheDtype?: string;
  quantization?: string;
  maxNumBatchedTokens?: number;
  maxNumSeqs?: number;
} {
  const number = (key: string) => (typeof engineArgs[key] === 'number' ? (engineArgs[key] as number) : undefined);
  const text = (key: string) => (typeof engineArgs[key] === 'string' ? (engineArgs[key] as string) : undefined);
  const settings = {
    gpuMemoryUtilization: number('gpu-memory-utilization'),
    kvCacheDtype: text('kv-cache-dtype'),
    quantization: text('quantization'),
    maxNumBatchedTokens: number('max-num-batched-tokens'),
    maxNumSeqs: number('max-num-seqs'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** Fits a catalog entry against model metadata: the check `catalog check` runs when metadata is available. */
export function fitCatalogEntry(entry: ModelEntry, metadata: ModelMetadata): FitVerdict {
  const gpu = requireGpu(entry.serving.gpu.type);
  return fitModel(metadata.shape, {
    gpu,
    count: entry.serving.gpu.count,
    maxModelLen: entry.serving.maxModelLen,
    ...(metadata.weightBytes !== undefined ? { weightBytes: metadata.weightBytes } : {}),
    ...fitSettingsFromEngineArgs(entry.serving.engineArgs),
  });
}

/** One sentence for a catalog diagnostic: why the entry does not fit and what would. */
export function describeMisfit(verdict: FitVerdict): string {
  const fixes: string[] = [];
  if (verdict.smallestCount !== undefined) fixes.push(`set serving.gpu.count to ${verdict.smallestCount}`);
  if (verdict.largestMaxModelLen !== undefined) fixes.push(`lower serving.maxModelLen to ${verdict.largestMaxModelLen}`);
  const what = fixes.length > 0 ? fixes.join(' or ') : 'choose a larger GPU type or a quantized checkpoint';
  return `does not fit on ${verdict.count}× ${verdict.gpu} at ${verdict.maxModelLen} tokens: ${verdict.problems.join('; ')}; ${what}`;
}

export function requireGpu(name: string): GpuType {
  const gpu = findGpuType(name);
  if (!gpu) throw new UsageError(`unknown GPU type '${name}'`);
  return gpu;
}
