// fit: will this model, with its KV cache at this context length, fit on these GPUs under vLLM?
//   config.json / params.json → ModelShape → fitModel (numbers + verdict + what would fit)
export { DTYPE_BYTES, parseHfConfig, parseMistralParams, type ModelShape, type WeightDtype } from './model-shape.js';
export {
  countParameters,
  estimateWeightBytes,
  fitModel,
  fitNumbers,
  GIB,
  kvBytesPerToken,
  kvHeadsPerGpu,
  MIB,
  RUNTIME_OVERHEAD_BYTES,
  VLLM_DEFAULTS,
  type FitNumbers,
  type FitOptions,
  type FitVerdict,
  type ParameterCount,
} from './estimate.js';
export {
  loadModelMetadata,
  loadModelMetadataFromDir,
  loadModelMetadataFromHub,
  ModelMetadataError,
  parseHubModel,
  safetensorsBytes,
  type HubOptions,
  type ModelMetadata,
  type WeightFile,
} from './metadata.js';
export { describeMisfit, fitCatalogEntry, fitSettingsFromEngineArgs, formatFitVerdict, requireGpu } from './report.js';
export { checkCatalogFit, hubMetadataSource, type ModelMetadataSource } from './catalog-fit.js';
