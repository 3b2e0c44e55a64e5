import { finalizeAsStageResult, inClusterPlacement } from './in-cluster.js';
import { loadCatalogEntry, selectCatalogModels } from './select-models.js';
import type { ModelEntry } from '../catalog/model-entry.js';
import type { Reporter } from '../report/reporter.js';
import { resolveSource, type ResolveSourceOptions } from '../stage/resolve-source.js';
import { stageModel, type StageOptions, type StageResult } from '../stage/stage.js';
import { toStagedRecord, type StagedRecord } from '../staged/record.js';

interface StageCatalogOptions {
  /** catalog entry names (commas or white space), `all`, or `pending` (see selectCatalogModels) */
  readonly models: string;
  readonly catalogDir: string;
  /** the rendered tree `pending` compares against */
  readonly outDir: string;
  /** how each model is staged: everything but the source */
  readonly stage: Omit<StageOptions, 'source' | 'reporter'>;
  /** finalize each model's sharded staging (finalizeStaged) instead of staging it; not with stage.shard */
  readonly finalize?: boolean;
  readonly resolve?: ResolveSourceOptions;
  readonly reporter: Reporter;
}

interface CatalogStaging {
  /** the entries the request selected, in order */
  readonly selected: readonly string[];
  readonly staged: readonly { readonly name: string; readonly result: StageResult }[];
  /** entries with an s3: source: nothing to stage */
  readonly inS3: readonly string[];
  /** entries that failed, each already reported as an error line */
  readonly failed: readonly { readonly name: string; readonly message: string }[];
}

/**
 * Stages the selected catalog entries one after the other, as the prestage-model action, `ray-gitops
 * prestage --model` and the deploy pipeline do. A failing model does not stop the others: a re-run
 * resumes the failed ones and finds the rest complete from their manifests.
 */
export async function stageCatalogModels(options: StageCatalogOptions): Promise<CatalogStaging> {
  const { reporter, catalogDir } = options;
  // `pending` reads the entries it compares; staging then uses the same ones instead of reading each file again
  const loaded = new Map<string, Promise<ModelEntry>>();
  const loadEntry = (dir: string, name: string): Promise<ModelEntry> => {
    if (!loaded.has(name)) loaded.set(name, loadCatalogEntry(dir, name));
    return loaded.get(name)!;
  };
  const selected = await selectCatalogModels(options.models, catalogDir, options.outDir, loadEntry);
  if (selected.length === 0) reporter.info(`nothing to stage: no entry of ${catalogDir} matches '${options.models}'`);
  const staged: { name: string; result: StageResult }[] = [];
  const inS3: string[] = [];
  const failed: { name: string; message: string }[] = [];
  for (const name of selected) {
    try {
      const entry = await loadEntry(catalogDir, name);
      const source = await reporter.group(`Resolve ${name}`, async () => {
        if (entry.source.kind === 's3') return undefined;
        return resolveSource({ kind: 'catalog', name, source: entry.source }, options.resolve);
      });
      if (source === undefined) {
        inS3.push(name);
        reporter.info(`${name}: its weights already live in S3 (an s3: source); nothing to stage`);
        continue;
      }
      const { shard } = options.stage;
      if (entry.staging?.where === 'cluster' && !shard && !options.finalize) {
        // the rendered Indexed Job stages it; this run only records where it will land, at the resolved commit
        reporter.info(`${name}: staged in-cluster by ${entry.staging.shards} pod(s) (catalog staging.where: cluster); nothing is copied here`);
        staged.push({ name, result: inClusterPlacement(source, options.stage.dest, options.stage.selection) });
        continue;
      }
      const what = `${options.finalize ? 'Finalize' : 'Stage'} ${source.description}${shard ? ` (shard ${shard.index}/${shard.count})` : ''} to S3`;
      const { dest, s3, selection, timeoutMs } = options.stage;
      const finalizing = { source, dest, reporter, ...(s3 ? { s3 } : {}), ...(selection ? { selection } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
      const result = await reporter.group(what, () =>
        options.finalize ? finalizeAsStageResult(finalizing) : stageModel({ ...options.stage, source, reporter }),
      );
      staged.push({ name, result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failed.push({ name, message });
      reporter.error(`${name}: ${message}`);
    }
  }
  return { selected, staged, inS3, failed };
}

/** The staged records by model name: what render's staged input takes. */
export function stagedRecordsByModel(staging: Pick<CatalogStaging, 'staged'>): Record<string, StagedRecord> {
  return Object.fromEntries(staging.staged.map(({ name, result }) => [name, toStagedRecord(result, { model: name })]));
}
