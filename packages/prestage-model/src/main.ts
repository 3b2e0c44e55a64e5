import * as core from '@actions/core';
import {
  createWorkflowReporter,
  detectWeightFormat,
  finalizeStaged,
  loadCatalogEntry,
  parseS3Uri,
  parseShard,
  type ResolvedSource,
  resolveSource,
  selectCatalogModels,
  selectFiles,
  stagedKeys,
  type SelectOptions,
  type SourceRequest,
  stageModel,
  type StageResult,
  UsageError,
} from '@ray-gitops/core';

/** One model staged by this step: its catalog name (when it came from the catalog) and the stager's result. */
interface StagedModelRun {
  readonly name?: string;
  readonly result: StageResult;
}

/** Reads the inputs, stages the model or models into S3, sets the outputs and writes a per-file job summary. */
export async function run(): Promise<void> {
  try {
    const token = core.getInput('hf-token') || process.env.HF_TOKEN || '';
    if (token) core.setSecret(token);
    const reporter = createWorkflowReporter(core);
    const selection: SelectOptions = { include: core.getMultilineInput('include'), exclude: core.getMultilineInput('exclude') };
    const concurrency = Number(core.getInput('concurrency') || '8');
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`the concurrency input must be a positive whole number, not '${core.getInput('concurrency')}'`);
    const dest = core.getInput('dest', { required: true });
    const recheck = core.getBooleanInput('recheck');
    const timeoutText = core.getInput('timeout') || '120';
    if (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 1 || Number(timeoutText) > 86_400) throw new UsageError(`the timeout input must be a whole number of seconds from 1 to 86400, not '${timeoutText}'`);
    const timeoutMs = Number(timeoutText) * 1000;
    const shardText = core.getInput('shard');
    const finalize = core.getBooleanInput('finalize');
    if (shardText && finalize) throw new UsageError('set the shard input to stage a shard or finalize to write the manifest after every shard, not both');
    const shard = shardText ? parseShard(shardText) : undefined;
    const resolveOptions = { selection, timeoutMs, ...(token ? { token } : {}), onRetry: reporter.info, onNote: reporter.warning };
    const stage = (source: ResolvedSource) =>
      core.group(`${finalize ? 'Finalize' : 'Stage'} ${source.description}${shard ? ` (shard ${shardText})` : ''} to S3`, () =>
        finalize ? finalizeAsStageResult(source, dest, selection, timeoutMs, reporter) : stageModel({
          ...(shard ? { shard } : {}),
          source,
          dest,
          selection,
          concurrency,
          storageClass: core.getInput('storage-class'),
          recheck,
          timeoutMs,
          reporter,
        }),
      );

    const request = requestedSource();
    if (request.kind !== 'catalog') {
      const result = await stage(await core.group('Resolve the source', () => resolveSource(request, resolveOptions)));
      await setOutputs([{ result }], JSON.stringify(stagedRecord(result)));
      return;
    }

    const catalogDir = core.getInput('catalog') || 'gitops/models';
    const runs: StagedModelRun[] = [];
    const failed: string[] = [];
    const names = await selectCatalogModels(request.names, catalogDir, core.getInput('out') || 'gitops');
    if (names.length === 0) reporter.info(`nothing to stage: no entry of ${catalogDir} matches '${request.names}'`);
    for (const name of names) {
      try {
        const entry = await loadCatalogEntry(catalogDir, name);
        const source = await core.group(`Resolve ${name}`, async () => {
          if (entry.source.kind === 's3') return undefined;
          return resolveSource({ kind: 'catalog', name, source: entry.source }, resolveOptions);
        });
        if (source === undefined) {
          reporter.info(`${name}: its weights already live in S3 (an s3: source); nothing to stage`);
        } else if (entry.staging?.where === 'cluster' && !shard && !finalize) {
          // the render's Indexed Job stages it; the runner only records where it will land, at the resolved commit
          reporter.info(`${name}: staged in-cluster by ${entry.staging.shards} pod(s) (catalog staging.where: cluster); the runner copies nothing`);
          runs.push({ name, result: inClusterPlacement(source, dest, selection) });
        } else {
          runs.push({ name, result: await stage(source) });
        }
      } catch (error) {
        // the other models still stage: a re-run resumes the failed ones and skips the rest
        failed.push(name);
        core.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const staged = Object.fromEntries(runs.map((one) => [one.name!, stagedRecord(one.result)]));
    await setOutputs(runs, JSON.stringify(staged));
    if (failed.length > 0) core.setFailed(`staging failed for ${failed.join(', ')}; the others are staged, and a re-run resumes where each stopped`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/** finalize's outcome in the shape the outputs and summary take: every object verified, none sent. */
async function finalizeAsStageResult(
  source: ResolvedSource,
  dest: string,
  selection: SelectOptions,
  timeoutMs: number,
  reporter: ReturnType<typeof createWorkflowReporter>,
): Promise<StageResult> {
  const done = await finalizeStaged({ source, dest, selection, timeoutMs, reporter });
  return {
    ...done,
    alreadyStaged: done.alreadyFinalized,
    bytesUploaded: 0,
    bytesSkipped: done.totalBytes,
    notes: [],
    files: done.files.map((f) => ({ ...f, action: 'skipped' as const, bytesUploaded: 0 })),
  };
}

/** Where the in-cluster Job will stage a resolved source: the record render-rgd takes, with nothing copied. */
function inClusterPlacement(source: ResolvedSource, dest: string, selection: SelectOptions): StageResult {
  const location = parseS3Uri(dest);
  const { modelPrefix, manifestKey } = stagedKeys(location, source);
  const { files, notes } = selectFiles(source.files, selection);
  return {
    s3Uri: `s3://${location.bucket}/${modelPrefix}`,
    manifestUri: `s3://${location.bucket}/${manifestKey}`,
    org: source.org,
    name: source.name,
    commit: source.commit,
    source: source.description,
    alreadyStaged: false,
    totalBytes: files.reduce((sum, f) => sum + f.size, 0),
    bytesUploaded: 0,
    bytesSkipped: 0,
    seconds: 0,
    notes,
    // format detection reads the paths; nothing was copied, so no sha256 yet
    files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 ?? '', action: 'skipped' as const, bytesUploaded: 0 })),
  };
}

/** What render-rgd's staged input takes for one model. */
function stagedRecord(result: StageResult) {
  const format = detectWeightFormat(result.files.map((f) => f.path));
  return { uri: result.s3Uri, commit: result.commit, manifestUri: result.manifestUri, source: result.source, ...(format ? { format } : {}) };
}

async function setOutputs(runs: readonly StagedModelRun[], staged: string): Promise<void> {
  const only = runs.length === 1 ? runs[0]!.result : undefined;
  core.setOutput('s3-uri', only?.s3Uri ?? '');
  core.setOutput('commit', only?.commit ?? '');
  core.setOutput('manifest-uri', only?.manifestUri ?? '');
  core.setOutput('bytes-uploaded', String(runs.reduce((sum, one) => sum + one.result.bytesUploaded, 0)));
  core.setOutput('bytes-skipped', String(runs.reduce((sum, one) => sum + one.result.bytesSkipped, 0)));
  core.setOutput('staged', staged);
  await core.summary.addRaw(runs.length === 0 ? 'Nothing to stage.\n' : runs.map((one) => summaryMarkdown(one.result)).join('\n')).write();
}

type RequestedSource = Exclude<SourceRequest, { kind: 'catalog' }> | { readonly kind: 'catalog'; readonly names: string };

/** Exactly one of the inputs hf, url, dir and model says what to stage. */
function requestedSource(): RequestedSource {
  const hf = core.getInput('hf');
  const url = core.getInput('url');
  const dir = core.getInput('dir');
  const model = core.getInput('model');
  const given = [hf && 'hf', url && 'url', dir && 'dir', model && 'model'].filter(Boolean);
  if (given.length !== 1) throw new UsageError(`set exactly one of the inputs hf, url, dir or model${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`);
  if (hf) return { kind: 'huggingface', ref: hf };
  if (dir) return { kind: 'dir', path: dir };
  const sha256 = core.getInput('sha256');
  if (url) return { kind: 'url', url, ...(sha256 ? { sha256 } : {}) };
  return { kind: 'catalog', names: model };
}

/** A job summary: the destination, the transfer figures, and one row per file. */
export function summaryMarkdown(result: StageResult): string {
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  const rows = result.files.map((f) => `| \`${f.path}\` | ${mib(f.size)} | ${f.action} | \`${f.sha256.slice(0, 16)}…\` |`);
  return [
    `### Staged ${result.source}`,
    '',
    result.alreadyStaged ? 'Already staged: only the manifest was read.' : `${mib(result.bytesUploaded)} MiB uploaded, ${mib(result.bytesSkipped)} MiB already in S3, in ${result.seconds.toFixed(1)} s.`,
    '',
    `- files: \`${result.s3Uri}\``,
    `- commit: \`${result.commit}\``,
    `- manifest: \`${result.manifestUri}\``,
    '',
    '| file | MiB | action | sha256 |',
    '| --- | ---: | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
