import type { ModelEntry } from '../catalog/model-entry.js';
import { stagedFrom, type StagedRecord } from '../staged/record.js';
import { sourceIdentity } from '../staged/source-identity.js';
import { formatFromEngineArgs, type WeightFormat } from '../staged/weight-format.js';

/** Where one model's weights are read from, once the renderer has decided. */
export interface ModelPlacement {
  /** s3://…/ or '' while the model is not staged */
  readonly source: string;
  readonly commit: string;
  readonly manifest: string;
  readonly format: WeightFormat;
  /** how the placement was found, for logs and summaries */
  readonly origin: 'staged' | 'catalog-s3' | 'previous-render' | 'pending';
}

/** What an earlier render recorded for a model: its instance's model fields and source identity. */
export interface PreviousPlacement {
  readonly sourceIdentity: string;
  readonly source: string;
  readonly commit: string;
  readonly manifest: string;
  readonly format: WeightFormat;
}

/** True when the rendered tree has no staged weights for the entry's current source: staging it is what is left to do. */
export function awaitsStaging(entry: ModelEntry, previous: PreviousPlacement | undefined): boolean {
  return placeModel(entry, undefined, previous).placement.origin === 'pending';
}

/**
 * Decides where a model's weights come from, in order: the staged-prefix map (if it was staged from
 * this entry's source), an S3 source in the catalog, what the previous render recorded for the same
 * source, or nowhere yet (pending: the instance is rendered, its RayService is not).
 */
export function placeModel(
  entry: ModelEntry,
  staged: StagedRecord | undefined,
  previous: PreviousPlacement | undefined,
): { placement: ModelPlacement; warning?: string } {
  const identity = sourceIdentity(entry.source);
  const hinted = formatFromEngineArgs(entry.serving.engineArgs);
  if (staged && !stagedFrom(staged, entry.source)) {
    const fallback = placeModel(entry, undefined, previous);
    return {
      placement: fallback.placement,
      warning: `${entry.name}: the staged-prefix map was staged from ${staged.source}, but the catalog now says ${identity}; ignoring it until the new source is staged`,
    };
  }
  if (staged) {
    return { placement: { source: staged.uri, commit: staged.commit, manifest: staged.manifestUri, format: staged.format ?? hinted ?? 'huggingface', origin: 'staged' } };
  }
  if (entry.source.kind === 's3') {
    return { placement: { source: entry.source.uri, commit: '', manifest: '', format: hinted ?? 'huggingface', origin: 'catalog-s3' } };
  }
  if (previous && previous.sourceIdentity === identity && previous.source !== '') {
    return { placement: { source: previous.source, commit: previous.commit, manifest: previous.manifest, format: previous.format, origin: 'previous-render' } };
  }
  return {
    placement: { source: '', commit: '', manifest: '', format: hinted ?? 'huggingface', origin: 'pending' },
    warning: `${entry.name} is not staged yet: its instance is rendered without a RayService until prestage records where its weights are (stage it with 'ray-gitops prestage' and render with --staged)`,
  };
}
