import type { EngineArgValue } from '../catalog/model-entry.js';

/** How the weights are laid out: Hugging Face (config.json + *.safetensors) or Mistral-native (params.json + consolidated.safetensors). */
export type WeightFormat = 'huggingface' | 'mistral';

export const WEIGHT_FORMATS: readonly WeightFormat[] = ['huggingface', 'mistral'];

/** A Mistral-native weight file: `consolidated.safetensors`, `consolidated.00.safetensors`, `consolidated-00001-of-00002.safetensors`, in any folder. */
export function isConsolidatedSafetensors(path: string): boolean {
  return /(^|\/)consolidated[^/]*\.safetensors$/.test(path);
}

/**
 * The one rule for a checkpoint that carries both layouts: the sharded `model*.safetensors` of the
 * Hugging Face layout win, and the consolidated ones of the Mistral-native layout are left out; those
 * count only when there are no others. The stager stages `chosen`, the fit check sizes it.
 */
export function preferredSafetensors<T extends { readonly path: string }>(files: readonly T[]): { readonly chosen: T[]; readonly leftOut: T[] } {
  const safetensors = files.filter((file) => file.path.endsWith('.safetensors'));
  const consolidated = safetensors.filter((file) => isConsolidatedSafetensors(file.path));
  const sharded = safetensors.filter((file) => !isConsolidatedSafetensors(file.path));
  return sharded.length > 0 ? { chosen: sharded, leftOut: consolidated } : { chosen: consolidated, leftOut: [] };
}

/** Mistral-native when the files are params.json + consolidated*.safetensors and there is no config.json. */
export function detectWeightFormat(files: readonly string[]): WeightFormat | undefined {
  if (files.length === 0) return undefined;
  const names = new Set(files.map((file) => file.split('/').pop()!));
  const consolidated = [...names].some(isConsolidatedSafetensors);
  if (names.has('params.json') && consolidated && !names.has('config.json')) return 'mistral';
  return 'huggingface';
}

/** The format the catalog entry's own engine arguments ask for (`tokenizer-mode: mistral`, …), if any. */
export function formatFromEngineArgs(engineArgs: Readonly<Record<string, EngineArgValue>>): WeightFormat | undefined {
  const asks = ['tokenizer-mode', 'config-format', 'load-format'].some((key) => engineArgs[key] === 'mistral');
  return asks ? 'mistral' : undefined;
}
