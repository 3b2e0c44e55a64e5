// render: catalog → kro RGD, one LLMService instance per model, Argo CD apps → gitops/.
//   settings + versions + image → renderTree (pure) → planRenderedFiles / writeRenderedFiles
export { ANNOTATIONS, derivedName, GENERATE_DEFAULTS, LABELS, LLM_SERVICE, RAY_ACCELERATOR_TYPES, RGD_NAME, SERVE_APP, SERVE_AUTOSCALING, WEIGHTS_MOUNT_PATH } from './api.js';
export { TREE } from './argocd.js';
export { healthCheckData } from './health-checks.js';
export { describeImageRef, isPlaceholderImage, NO_IMAGE_YET, parseImageRef, type ImageRef } from './image-ref.js';
export { expectedRoleEnv, MODEL_ACCESS_CHECK_COMMAND, MODEL_ACCESS_CHECK_MODULE, type ExpectedRole } from './init-check.js';
export { engineArgsJson, llmServiceInstance } from './instance.js';
export { dashboardConfigMap } from './dashboard.js';
export { readPreviousRender, type PreviousRender } from './previous.js';
export { rayServiceTemplate } from './ray-service.js';
export { DEFAULT_CATALOG_DIR, DEFAULT_OUT_DIR, renderCatalog, renderSummaryMarkdown, type RenderCatalogOptions, type RenderCatalogResult } from './render.js';
export { llmServiceResources, llmServiceRgd } from './rgd.js';
export { llmServiceSimpleSchema, MODEL_SOURCE_PATTERN } from './rgd-schema.js';
export { CEL, serveConfigTemplate } from './serve-config.js';
export {
  DEFAULT_SETTINGS,
  loadRenderSettings,
  parseRenderSettings,
  SETTINGS_FILE_NAME,
  type RenderSettings,
} from './settings.js';
export { awaitsStaging, placeModel, type ModelPlacement, type PreviousPlacement } from './staged.js';
export { instancePath, renderTree, RGD_PATH, type RenderTreeResult } from './tree.js';
export { DEFAULT_VERSIONS_FILE, loadRuntimeVersions, parseRuntimeVersions, type RuntimeVersions } from './versions.js';
export { writeRenderedFiles, type FileChange, type WritePlan } from './writer.js';
export { GENERATED_MARKER, manifestFile, type RenderedFile } from './yaml-out.js';

// The GPU table's label schemes (catalog/gpu-types.ts) are part of the render settings' vocabulary.
export { GPU_NODE_LABEL_SCHEMES, gpuMemoryMiB, gpuNodeSelector, gpuWorkerPerGpu, type GpuNodeLabelScheme } from '../catalog/gpu-types.js';
