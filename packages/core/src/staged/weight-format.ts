import type { EngineArgValue } from '../catalog/model-entry.js';

/** How the weights are laid out: Hugging Face (config.json + *.safetensors) or Mistral-native (params.json + consolidated.safetensors). */
export type WeightFormat = 'huggingface' | 'mistral';

export const WEIGHT_FORMATS: readonly WeightFormat[] = ['huggingface', 'mistral'];

/** Mistral-native when the files are params.json + consolidated*.safetensors and there is no config.json. */
export function detectWeightFormat(files: readonly string[]): WeightFormat | undefined {
  if (files.length === 0) return undefined;
  const names = new Set(files.map((file) => file.split('/').pop()!));
  const consolidated = [...names].some((name) => /^consolidated(\.\d+)?\.safetensors$/.test(name));
  if (names.has('params.json') && consolidated && !names.has('config.json')) return 'mistral';
  return 'huggingface';
}

/** The format the catalog entry's own engine arguments ask for (`tokenizer-mode: mistral`, …), if any. */
export function formatFromEngineArgs(engineArgs: Readonly<Record<string, EngineArgValue>>): WeightFormat | undefined {
  const asks = ['tokenizer-mode', 'config-format', 'load-format'].some((key) => engineArgs[key] === 'mistral');
  return asks ? 'mistral' : undefined;
}
