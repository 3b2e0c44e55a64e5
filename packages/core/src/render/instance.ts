import { ANNOTATIONS, LABELS, LLM_SERVICE, PART_OF } from './api.js';
import { MODEL_SOURCE_PATTERN } from './rgd-schema.js';
import { SETTINGS_FILE_NAME, type RenderSettings } from './settings.js';
import type { ModelPlacement } from './staged.js';
import { stagingInstanceSpec } from './staging-job.js';
import { deriveNames } from '../catalog/derived-names.js';
import { findGpuType, gpuNodeSelector, gpuWorkerPerGpu } from '../catalog/gpu-types.js';
import type { EngineArgValue, ModelEntry } from '../catalog/model-entry.js';
import { InputFileError } from '../errors/errors.js';
import { sourceIdentity } from '../staged/source-identity.js';

/** Engine arguments the RGD's templates set themselves when the weights are Mistral-native. */
const MISTRAL_TEMPLATE_KEYS = ['tokenizer-mode', 'config-format'];

/**
 * The instance's `engineArgs`: the catalog's extra vLLM arguments as a JSON object with the snake_case
 * keys `engine_kwargs` takes, sorted by key. Keys the RGD sets for Mistral-native weights are left out.
 */
export function engineArgsJson(
  engineArgs: Readonly<Record<string, EngineArgValue>>,
  placement: Pick<ModelPlacement, 'format'>,
  options: { readonly trustRemoteCode?: boolean } = {},
): string {
  const result: Record<string, EngineArgValue> = {};
  // only from the entry's own field: the catalog check refuses the key in engineArgs
  if (options.trustRemoteCode === true) result.trust_remote_code = true;
  for (const key of Object.keys(engineArgs).sort()) {
    if (placement.format === 'mistral' && MISTRAL_TEMPLATE_KEYS.includes(key)) continue;
    result[key.replace(/-/g, '_')] = engineArgs[key]!;
  }
  return JSON.stringify(result);
}

/** One `LLMService` instance for a catalog entry: what the RGD needs, decided at render time. */
export function llmServiceInstance(entry: ModelEntry, placement: ModelPlacement, settings: RenderSettings): Record<string, unknown> {
  const gpu = findGpuType(entry.serving.gpu.type);
  if (!gpu) throw new InputFileError(`${entry.name}: GPU type '${entry.serving.gpu.type}' is not in the GPU table; the catalog check should have caught it`);
  if (placement.source !== '' && !new RegExp(MODEL_SOURCE_PATTERN).test(placement.source)) {
    throw new InputFileError(
      `${entry.name}: the weights location '${placement.source}' has characters the RayService's serve config cannot carry; ` +
        "stage the model under a prefix of letters, digits and ! - _ . * ' ( ) /",
    );
  }
  if (entry.serving.upgrade === 'incremental' && !settings.gateway?.className) {
    throw new InputFileError(
      `${entry.name}: serving.upgrade is incremental, which needs KubeRay's Gateway: set gateway.className (a Gateway API GatewayClass) in render-settings.yaml, or use upgrade: new-cluster`,
    );
  }
  const names = deriveNames(entry.name);
  const { count } = entry.serving.gpu;
  const staging = stagingInstanceSpec(entry, placement, settings.staging, SETTINGS_FILE_NAME);
  return {
    apiVersion: LLM_SERVICE.apiVersion,
    kind: LLM_SERVICE.kind,
    metadata: {
      name: names.kroInstance,
      namespace: settings.namespace,
      labels: { [LABELS.partOf]: PART_OF, [LABELS.model]: entry.name },
      annotations: {
        [ANNOTATIONS.source]: sourceIdentity(entry.source),
        // the LLMService CRD appears only once kro has processed the RGD
        [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true',
      },
    },
    spec: {
      name: entry.name,
      model: { source: placement.source, commit: placement.commit, manifest: placement.manifest, format: placement.format },
      maxModelLen: entry.serving.maxModelLen,
      gpuType: gpu.name,
      gpuCount: count,
      nodeSelector: sortedRecord(gpuNodeSelector(gpu, settings.gpuNodeLabels)),
      minReplicas: entry.serving.replicas.min,
      maxReplicas: entry.serving.replicas.max,
      storage: entry.serving.storage,
      upgrade: entry.serving.upgrade,
      engineArgs: engineArgsJson(entry.serving.engineArgs, placement, { trustRemoteCode: entry.serving.trustRemoteCode }),
      region: settings.region,
      worker: { cpu: String(gpuWorkerPerGpu(gpu).cpu * count), memory: `${gpuWorkerPerGpu(gpu).memoryGiB * count}Gi` },
      ...(staging.shards === 0 ? {} : { staging }),
    },
  };
}

function sortedRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]!]));
}
