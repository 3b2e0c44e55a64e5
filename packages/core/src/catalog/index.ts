export type { CatalogCheckResult, CatalogEntry } from './check-catalog.js';
export { checkCatalog, isCatalogFileName, listCatalogFiles } from './check-catalog.js';
export { renderCatalogCheckSummary } from './check-summary.js';
export type { DerivedNameRole, ModelNameLimit } from './derived-names.js';
export { computeModelNameLimit, DERIVED_NAMES, deriveNames, MODEL_NAME_LIMIT } from './derived-names.js';
export { closestMatch } from './did-you-mean.js';
export { displayPath } from './display-path.js';
export type { GpuType } from './gpu-types.js';
export { findGpuType, GPU_TYPES } from './gpu-types.js';
export type { DeclaredName, ModelEntryResult } from './load-model-entry.js';
export { checkModelEntrySource, loadModelEntry, MAX_ENTRY_FILE_BYTES } from './load-model-entry.js';
export type {
  EngineArgValue,
  ModelEntry,
  ModelSource,
  WeightStorage,
} from './model-entry.js';
export { MODEL_ENTRY_SCHEMA } from './schema.js';
export { DEFAULT_MIN_REPLICAS, DEFAULT_REVISION, DEFAULT_STORAGE } from './to-model-entry.js';
export { ENGINE_ARGS_VLLM_VERSION, OUTSIDE_ENGINE_ARGS, SECRET_ENGINE_ARGS, VLLM_ENGINE_ARGS } from './vllm-engine-args.js';
