import { HubLookups, TIMED_OUT } from './hub-lookups.js';
import type { ModelFit, ModelPlan } from './types.js';
import type { CatalogEntry } from '../catalog/check-catalog.js';
import type { ModelEntry, ModelSource } from '../catalog/model-entry.js';
import { OUTSIDE_ENGINE_ARGS } from '../catalog/vllm-engine-args.js';
import { RayGitopsError } from '../errors/errors.js';
import { hubMetadataSource, type ModelMetadataSource } from '../fit/catalog-fit.js';
import { gib } from '../fit/estimate.js';
import type { HubOptions, ModelMetadata } from '../fit/metadata.js';
import { describeMisfit, fitCatalogEntry } from '../fit/report.js';
import { sourceIdentity } from '../staged/source-identity.js';

interface PlanModelsOptions {
  /** no network: every fit is "not checked" */
  readonly offline: boolean;
  readonly hub?: HubOptions;
  /** the plan's bounds on Hub traffic (concurrency, deadline), shared with the staging sizes */
  readonly lookups?: HubLookups;
}

/**
 * Each valid entry with its fit verdict, from the Hub's config.json as `catalog check --fit` reads it.
 * A model whose metadata cannot be had (offline, gated, Hub down, not a Hub source) is "not checked"
 * with the reason: the plan still tells the reviewer everything else.
 */
export async function planModels(entries: readonly CatalogEntry[], options: PlanModelsOptions): Promise<ModelPlan[]> {
  const lookups = options.lookups ?? new HubLookups();
  const source = hubMetadataSource({ ...options.hub, requestSignal: () => lookups.requestSignal() });
  // all at once here; the lookups bound what actually reaches the Hub
  return Promise.all(
    entries.map(async (item): Promise<ModelPlan> => {
      const { entry } = item;
      return {
        name: entry.name,
        file: item.file,
        source: sourceIdentity(entry.source),
        gpu: { type: entry.serving.gpu.type, count: entry.serving.gpu.count },
        maxModelLen: entry.serving.maxModelLen,
        fit: await fitOf(item, source, options.offline, lookups),
        outside: outsideOf(entry),
      };
    }),
  );
}

async function fitOf(item: CatalogEntry, source: ModelMetadataSource, offline: boolean, lookups: HubLookups): Promise<ModelFit> {
  const notHub = notFromHub(item.entry.source);
  if (notHub) return { status: 'not-checked', reason: notHub };
  if (offline) return { status: 'not-checked', reason: 'offline' };
  let metadata: ModelMetadata | undefined | typeof TIMED_OUT;
  try {
    metadata = await lookups.run(`metadata:${sourceIdentity(item.entry.source)}`, () => source(item));
  } catch (error) {
    if (!(error instanceof RayGitopsError)) throw error;
    return { status: 'not-checked', reason: error.message };
  }
  if (metadata === TIMED_OUT) return { status: 'not-checked', reason: lookups.timeoutReason };
  if (!metadata) return { status: 'not-checked', reason: 'no metadata for this source' };
  const verdict = fitCatalogEntry(item.entry, metadata);
  return verdict.fits
    ? { status: 'fits', verdict, summary: `${verdict.concurrentSequences} sequence(s) of ${verdict.maxModelLen} tokens at once; weights ${gib(verdict.weightBytesPerGpu)} per GPU` }
    : { status: 'does-not-fit', verdict, summary: describeMisfit(verdict) };
}

/** What the entry lets the workers reach beyond the image and the staged weights, for the reviewer to see. */
export function outsideOf(entry: ModelEntry): { key: string; reach: string }[] {
  const outside = (entry.serving.outsideEngineArgs ?? []).map((key) => ({ key, reach: OUTSIDE_ENGINE_ARGS[key] ?? 'reaches outside' }));
  return entry.serving.trustRemoteCode ? [{ key: 'trust-remote-code', reach: OUTSIDE_ENGINE_ARGS['trust-remote-code']! }, ...outside] : outside;
}

/** Why a source has no config.json to read before staging, or undefined for a Hub source. */
function notFromHub(source: ModelSource): string | undefined {
  switch (source.kind) {
    case 'huggingface':
      return undefined;
    case 'url':
      return 'the config is inside the .tar archive; it is read when the archive is staged';
    case 's3':
      return 'the weights are already in S3, which a pull request does not read';
  }
}
