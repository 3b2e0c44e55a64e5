import {
  ackChartRepository,
  ackEksApplication,
  bootstrapApplication,
  healthCheckConfigMap,
  kroApplication,
  kroChartRepository,
  kubeRayApplication,
  modelsApplicationSet,
  modelsNamespace,
  platformApplication,
  TREE,
} from './argocd.js';
import { dashboardConfigMap } from './dashboard.js';
import type { ImageRef } from './image-ref.js';
import { llmServiceInstance } from './instance.js';
import { llmServiceRgd } from './rgd.js';
import type { RenderSettings } from './settings.js';
import { placeModel, type ModelPlacement, type PreviousPlacement } from './staged.js';
import type { RuntimeVersions } from './versions.js';
import { manifestFile, type RenderedFile } from './yaml-out.js';
import type { ModelEntry } from '../catalog/model-entry.js';
import type { StagedRecord } from '../staged/record.js';

interface RenderTreeInputs {
  /** checked catalog entries; their order does not matter */
  readonly entries: readonly ModelEntry[];
  readonly image: ImageRef;
  /** the stager image of in-cluster staging, when one is known (--stager-image, staging.image or the previous render) */
  readonly stagerImage?: ImageRef;
  readonly settings: RenderSettings;
  readonly versions: RuntimeVersions;
  /** the staged-prefix map, by model name */
  readonly staged?: ReadonlyMap<string, StagedRecord>;
  /** what the previous render recorded, by model name */
  readonly previous?: ReadonlyMap<string, PreviousPlacement>;
}

interface RenderedModel {
  readonly name: string;
  readonly placement: ModelPlacement;
  readonly instancePath: string;
}

export interface RenderTreeResult {
  /** every file of the tree, sorted by path */
  readonly files: RenderedFile[];
  readonly models: RenderedModel[];
  /** one sentence each: models not staged yet, stale staging records */
  readonly warnings: string[];
}

/** Where a model's instance lives in the tree. */
export function instancePath(model: string): string {
  return `${TREE.workloads}/${model}/instance.yaml`;
}

export const RGD_PATH = `${TREE.platform}/llm-service.rgd.yaml`;

/**
 * The whole rendered tree, as files: pure and deterministic (same inputs, same bytes; no clock, no
 * environment), cost linear in the number of entries.
 */
export function renderTree(inputs: RenderTreeInputs): RenderTreeResult {
  const stagerImage = inputs.stagerImage?.ref;
  // the instances of in-cluster models carry the stager image; the RGD records it for the next render
  const settings: RenderSettings = stagerImage !== undefined && inputs.settings.staging
    ? { ...inputs.settings, staging: { ...inputs.settings.staging, image: stagerImage } }
    : inputs.settings;
  const origin = 'from the model catalog and render-settings.yaml';
  const files: RenderedFile[] = [
    manifestFile(`${TREE.bootstrap}/ray-gitops.yaml`, [bootstrapApplication(settings)], `${origin} (apply this one file once: kubectl apply -f)`),
    manifestFile(`${TREE.apps}/argocd-health-checks.yaml`, [healthCheckConfigMap(settings)], origin),
    manifestFile(`${TREE.apps}/platform.yaml`, [platformApplication(settings)], origin),
    manifestFile(`${TREE.apps}/models.yaml`, [modelsApplicationSet(settings)], origin),
    manifestFile(`${TREE.platform}/namespace.yaml`, [modelsNamespace(settings)], origin),
    manifestFile(RGD_PATH, [llmServiceRgd(inputs.image, inputs.versions, { ...settings, ...(stagerImage === undefined ? {} : { stagerImage }) })], `${origin} and docker/versions.json`),
  ];
  if (settings.monitoring.dashboard) files.push(manifestFile(`${TREE.platform}/grafana-dashboard.yaml`, [dashboardConfigMap(settings)], origin));
  // the ACK EKS controller turns each model's PodIdentityAssociation into an EKS association
  if (settings.identity && settings.addons.ackEks.manage) {
    files.push(manifestFile(`${TREE.apps}/ack-eks-controller.yaml`, [ackEksApplication(settings)], origin));
    files.push(manifestFile(`${TREE.apps}/ack-chart-repository.yaml`, [ackChartRepository(settings)], origin));
  }
  if (settings.addons.kuberay.manage) files.push(manifestFile(`${TREE.apps}/kuberay-operator.yaml`, [kubeRayApplication(settings)], origin));
  if (settings.addons.kro.manage) {
    files.push(manifestFile(`${TREE.apps}/kro.yaml`, [kroApplication(settings)], origin));
    files.push(manifestFile(`${TREE.apps}/kro-chart-repository.yaml`, [kroChartRepository(settings)], origin));
  }

  const models: RenderedModel[] = [];
  const warnings: string[] = [];
  const pending: string[] = [];
  for (const entry of [...inputs.entries].sort((a, b) => compare(a.name, b.name))) {
    const { placement, warning } = placeModel(entry, inputs.staged?.get(entry.name), inputs.previous?.get(entry.name));
    // models not staged yet are named in one sentence below, not one warning each
    if (placement.origin === 'pending') pending.push(entry.name);
    const saysOnlyNotStaged = placement.origin === 'pending' && !inputs.staged?.has(entry.name);
    if (warning && !saysOnlyNotStaged) warnings.push(warning);
    const path = instancePath(entry.name);
    files.push(manifestFile(path, [llmServiceInstance(entry, placement, settings)], `from the catalog entry ${entry.name}.yaml`));
    models.push({ name: entry.name, placement, instancePath: path });
  }
  if (pending.length > 0) warnings.unshift(notStagedWarning(pending));
  for (const name of inputs.staged?.keys() ?? []) {
    if (!inputs.entries.some((entry) => entry.name === name)) warnings.push(`the staged-prefix map names '${name}', which is not in the catalog; ignored`);
  }
  files.sort((a, b) => compare(a.path, b.path));
  return { files, models, warnings };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One sentence for every model rendered without a RayService because no staged weights are known. */
function notStagedWarning(names: readonly string[]): string {
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]!}`;
  const [verb, their] = names.length === 1 ? ['is', 'its instance is'] : ['are', 'their instances are'];
  return (
    `${list} ${verb} not staged yet: ${their} rendered without a RayService until prestage records where the weights are ` +
    "(stage with 'ray-gitops prestage' and render with --staged)"
  );
}
