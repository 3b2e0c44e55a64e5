import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ImageDecision, RolloutPlan, StagingItem } from './types.js';
import type { CatalogEntry } from '../catalog/check-catalog.js';
import { findGpuType } from '../catalog/gpu-types.js';
import type { ModelEntry } from '../catalog/model-entry.js';
import { TREE } from '../render/argocd.js';
import { engineArgsJson } from '../render/instance.js';
import { INCREMENTAL_UPGRADE } from '../render/ray-service.js';
import type { PreviousPlacement } from '../render/staged.js';

/** What changes for a running model, besides the image and its weights. */
export interface SpecChanges {
  /** a field the RayService's rayClusterConfig is built from (GPU type or count, storage mode) */
  readonly cluster: boolean;
  /** a field only the Serve config is built from (max model length, replicas, engine arguments) */
  readonly serve: boolean;
}

const NO_CHANGES: SpecChanges = { cluster: false, serve: false };

/**
 * What the merge does to one running model, as KubeRay will do it:
 *
 * - a new image changes `rayClusterConfig`, so KubeRay upgrades the cluster by the model's
 *   `serving.upgrade`: `new-cluster` starts a second cluster with the model's minimum replicas before
 *   it switches traffic (peak extra GPUs: min replicas × GPUs per replica); `incremental` grows the
 *   new cluster at most maxSurgePercent of the capacity ahead of the old one; `none` leaves the
 *   running cluster as it is (the change waits until the RayService is recreated).
 * - new weights for a running model change only `serveConfigV2`: Ray Serve redeploys the engine in
 *   place on the same workers (a restart, no extra GPUs).
 * - a change of the GPU type or count or of the storage mode changes `rayClusterConfig` too; a change
 *   of max model length, replicas or engine arguments only `serveConfigV2` (in place, no extra GPUs).
 * - a model with no RayService yet (not staged) is started, not restarted.
 */
export function planRollout(
  entry: ModelEntry,
  facts: { running: boolean; imageChanges: boolean; restaged: boolean; specChanges?: SpecChanges },
): RolloutPlan {
  const { gpu, replicas, upgrade } = entry.serving;
  const changes = facts.specChanges ?? NO_CHANGES;
  if (!facts.running) {
    return { restarts: false, peakExtraGpus: 0, reason: facts.restaged ? 'starts once staged: no RayService runs yet' : 'not running: no RayService yet' };
  }
  if (facts.imageChanges || changes.cluster) {
    const what = facts.imageChanges ? 'new image' : 'new GPU or storage settings';
    if (upgrade === 'none') return { restarts: false, peakExtraGpus: 0, reason: `${what}, but upgrade: none keeps the running cluster as it is until the RayService is recreated` };
    if (upgrade === 'incremental') {
      const surge = Math.max(1, Math.ceil((replicas.max * INCREMENTAL_UPGRADE.maxSurgePercent) / 100));
      return { restarts: true, peakExtraGpus: surge * gpu.count, reason: `${what}: incremental upgrade, at most ${surge} replica(s) ahead` };
    }
    return { restarts: true, peakExtraGpus: replicas.min * gpu.count, reason: `${what}: a new cluster of ${replicas.min} replica(s) starts before the switch` };
  }
  if (facts.restaged) return { restarts: true, peakExtraGpus: 0, reason: 'new weights: Ray Serve redeploys the engine in place' };
  if (changes.serve) return { restarts: true, peakExtraGpus: 0, reason: 'new serving settings: Ray Serve redeploys the engine in place' };
  return { restarts: false, peakExtraGpus: 0, reason: 'unchanged' };
}

/**
 * How an entry differs from the instance the committed tree renders for it (read from
 * `<outDir>/workloads/<name>/instance.yaml`; a missing or unreadable file means no change is known).
 */
export async function specChanges(entry: ModelEntry, outDir: string): Promise<SpecChanges> {
  let spec: Record<string, unknown> | undefined;
  try {
    spec = (parse(await readFile(join(outDir, TREE.workloads, entry.name, 'instance.yaml'), 'utf8')) as { spec?: Record<string, unknown> } | null)?.spec;
  } catch {
    return NO_CHANGES;
  }
  if (!spec) return NO_CHANGES;
  const { serving } = entry;
  const format = (spec.model as { format?: unknown } | undefined)?.format === 'mistral' ? 'mistral' : 'huggingface';
  const cluster = spec.gpuType !== findGpuType(serving.gpu.type)?.name || spec.gpuCount !== serving.gpu.count || spec.storage !== serving.storage;
  const serve = spec.maxModelLen !== serving.maxModelLen
    || spec.minReplicas !== serving.replicas.min
    || spec.maxReplicas !== serving.replicas.max
    || spec.engineArgs !== engineArgsJson(serving.engineArgs, { format });
  return { cluster, serve };
}

/** The rollout of every valid entry, by name, against the committed tree in `outDir`. */
export async function planRollouts(
  entries: readonly CatalogEntry[],
  previous: ReadonlyMap<string, PreviousPlacement>,
  image: ImageDecision,
  staging: readonly StagingItem[],
  outDir: string,
): Promise<Map<string, RolloutPlan>> {
  // build-if-missing: the tag is not known to differ; say what happens if ECR lacks it (the worst case)
  const imageChanges = image === 'build' || image === 'build-if-missing';
  const restaged = new Set(staging.map((item) => item.name));
  const rollouts = new Map<string, RolloutPlan>();
  for (const { entry } of entries) {
    const running = (previous.get(entry.name)?.source ?? '') !== '';
    const changes = running ? await specChanges(entry, outDir) : NO_CHANGES;
    rollouts.set(entry.name, planRollout(entry, { running, imageChanges, restaged: restaged.has(entry.name), specChanges: changes }));
  }
  return rollouts;
}

/** "restarts: yes, peak extra GPUs: N" (the plan's words, one per model). */
export function rolloutWords(rollout: RolloutPlan): string {
  return `restarts: ${rollout.restarts ? 'yes' : 'no'}, peak extra GPUs: ${rollout.peakExtraGpus}`;
}
