import type { ImageDecision, RolloutPlan, StagingItem } from './types.js';
import type { CatalogEntry } from '../catalog/check-catalog.js';
import type { ModelEntry } from '../catalog/model-entry.js';
import { INCREMENTAL_UPGRADE } from '../render/ray-service.js';
import type { PreviousPlacement } from '../render/staged.js';

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
 * - a model with no RayService yet (not staged) is started, not restarted.
 */
export function planRollout(entry: ModelEntry, facts: { running: boolean; imageChanges: boolean; restaged: boolean }): RolloutPlan {
  const { gpu, replicas, upgrade } = entry.serving;
  if (!facts.running) {
    return { restarts: false, peakExtraGpus: 0, reason: facts.restaged ? 'starts once staged: no RayService runs yet' : 'not running: no RayService yet' };
  }
  if (facts.imageChanges) {
    if (upgrade === 'none') return { restarts: false, peakExtraGpus: 0, reason: 'upgrade: none, so the running cluster keeps the old image until the RayService is recreated' };
    if (upgrade === 'incremental') {
      const surge = Math.max(1, Math.ceil((replicas.max * INCREMENTAL_UPGRADE.maxSurgePercent) / 100));
      return { restarts: true, peakExtraGpus: surge * gpu.count, reason: `new image: incremental upgrade, at most ${surge} replica(s) ahead` };
    }
    return { restarts: true, peakExtraGpus: replicas.min * gpu.count, reason: `new image: a new cluster of ${replicas.min} replica(s) starts before the switch` };
  }
  if (facts.restaged) return { restarts: true, peakExtraGpus: 0, reason: 'new weights: Ray Serve redeploys the engine in place' };
  return { restarts: false, peakExtraGpus: 0, reason: 'unchanged' };
}

/** The rollout of every valid entry, by name. */
export function planRollouts(
  entries: readonly CatalogEntry[],
  previous: ReadonlyMap<string, PreviousPlacement>,
  image: ImageDecision,
  staging: readonly StagingItem[],
): Map<string, RolloutPlan> {
  // build-if-missing: the tag is not known to differ; say what happens if ECR lacks it (the worst case)
  const imageChanges = image === 'build' || image === 'build-if-missing';
  const restaged = new Set(staging.map((item) => item.name));
  return new Map(entries.map(({ entry }) => [
    entry.name,
    planRollout(entry, { running: (previous.get(entry.name)?.source ?? '') !== '', imageChanges, restaged: restaged.has(entry.name) }),
  ]));
}

/** "restarts: yes, peak extra GPUs: N" (the plan's words, one per model). */
export function rolloutWords(rollout: RolloutPlan): string {
  return `restarts: ${rollout.restarts ? 'yes' : 'no'}, peak extra GPUs: ${rollout.peakExtraGpus}`;
}
