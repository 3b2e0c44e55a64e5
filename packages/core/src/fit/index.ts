// fit: will this model, with its KV cache at this context length, fit on these GPUs under vLLM?
//   config.json / params.json → ModelShape → fitModel (numbers + verdict + what would fit)
export { DTYPE_BYTES, parseHfConfig, parseMistralParams, type ModelShape, type WeightDtype } from './model-shape.js';
export {
  countParameters,
  fitModel,
  GIB,
  kvBytesPerToken,
  type FitVerdict,
} from './estimate.js';
export {
  loadModelMetadata,
  loadModelMetadataFromDir,
  loadModelMetadataFromHub,
  ModelMetadataError,
  safetensorsBytes,
  type HubOptions,
  type ModelMetadata,
} from './metadata.js';
export { describeMisfit, fitCatalogEntry, formatFitVerdict } from './report.js';
export { checkCatalogFit, hubMetadataSource, type ModelMetadataSource } from './catalog-fit.js';
