// render: catalog → kro RGD, one LLMService instance per model, Argo CD apps → gitops/.
//   settings + versions + image → renderTree (pure) → planRenderedFiles / writeRenderedFiles
export { ANNOTATIONS, derivedName, GENERATE_DEFAULTS, LABELS, LLM_SERVICE, RAY_ACCELERATOR_TYPES, RGD_NAME, SERVE_APP, SERVE_AUTOSCALING, WEIGHTS_MOUNT_PATH } from './api.js';
export { SYNC_WAVES, TREE, KRO_CHART_REPOSITORY } from './argocd.js';
export { healthCheckData } from './health-checks.js';
export { describeImageRef, isPlaceholderImage, NO_IMAGE_YET, parseImageRef, PLACEHOLDER_DIGEST, type ImageRef } from './image-ref.js';
export { expectedRoleEnv, MODEL_ACCESS_CHECK_COMMAND, MODEL_ACCESS_CHECK_MODULE, type ExpectedRole } from './init-check.js';
export { engineArgsJson, llmServiceInstance } from './instance.js';
export { DASHBOARD_METRICS, dashboardConfigMap, dashboardJson } from './dashboard.js';
export { readPreviousRender, type PreviousRender } from './previous.js';
export { GPU_TOLERATION, rayServiceTemplate, type RayServiceTemplateOptions } from './ray-service.js';
export { DEFAULT_CATALOG_DIR, DEFAULT_OUT_DIR, renderCatalog, renderSummaryMarkdown, type RenderCatalogOptions, type RenderCatalogResult } from './render.js';
export { GATEWAY_PATH_PREFIX, llmServiceResources, llmServiceRgd, llmServiceStatus, RESOURCE_IDS, type RgdSettings } from './rgd.js';
export { llmServiceSimpleSchema, MODEL_SOURCE_PATTERN } from './rgd-schema.js';
export { acceleratorTypeCel, CEL, serveConfigTemplate, type StorageMode } from './serve-config.js';
export {
  DEFAULT_ADDON_VERSIONS,
  DEFAULT_SETTINGS,
  loadRenderSettings,
  parseRenderSettings,
  SETTINGS_FILE_NAME,
  type AddonSettings,
  type RenderSettings,
} from './settings.js';
export { awaitsStaging, placeModel, type ModelPlacement, type PreviousPlacement } from './staged.js';
export { instancePath, renderTree, RGD_PATH, type RenderedModel, type RenderTreeInputs, type RenderTreeResult } from './tree.js';
export { DEFAULT_VERSIONS_FILE, loadRuntimeVersions, parseRuntimeVersions, type RuntimeVersions } from './versions.js';
export { applyWritePlan, planRenderedFiles, writeRenderedFiles, type FileChange, type FileChangeKind, type WriteOptions, type WritePlan } from './writer.js';
export { GENERATED_MARKER, manifestFile, type RenderedFile } from './yaml-out.js';

// The GPU table's label schemes (catalog/gpu-types.ts) are part of the render settings' vocabulary.
export { GPU_NODE_LABEL_SCHEMES, gpuMemoryMiB, gpuNodeSelector, gpuWorkerPerGpu, type GpuNodeLabelScheme } from '../catalog/gpu-types.js';
// kro (SimpleSchema → instance CRD, template expansion) and fit are exported through render's index.
export * from '../kro/index.js';
export * from '../fit/index.js';
export { nonManifestPatterns } from './non-manifests.js';
