import * as core from '@actions/core';
import {
  createWorkflowReporter,
  finalizeAsStageResult,
  parseShard,
  type ResolvedSource,
  resolveSource,
  stageCatalogModels,
  stagedRecordsByModel,
  type SelectOptions,
  type SourceRequest,
  stageModel,
  type StageResult,
  toStagedRecord,
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
    const stageOptions = { ...(shard ? { shard } : {}), dest, selection, concurrency, storageClass: core.getInput('storage-class'), recheck, timeoutMs };
    const stage = (source: ResolvedSource) =>
      core.group(`${finalize ? 'Finalize' : 'Stage'} ${source.description}${shard ? ` (shard ${shardText})` : ''} to S3`, () =>
        finalize ? finalizeAsStageResult({ source, dest, selection, timeoutMs, reporter }) : stageModel({ ...stageOptions, source, reporter }),
      );

    const request = requestedSource();
    if (request.kind !== 'catalog') {
      const result = await stage(await core.group('Resolve the source', () => resolveSource(request, resolveOptions)));
      await setOutputs([{ result }], JSON.stringify(toStagedRecord(result)));
      return;
    }

    const staging = await stageCatalogModels({
      models: request.names,
      catalogDir: core.getInput('catalog') || 'gitops/models',
      outDir: core.getInput('out') || 'gitops',
      stage: stageOptions,
      finalize,
      resolve: resolveOptions,
      reporter,
    });
    await setOutputs(staging.staged, JSON.stringify(stagedRecordsByModel(staging)));
    const failed = staging.failed.map((one) => one.name);
    if (failed.length > 0) core.setFailed(`staging failed for ${failed.join(', ')}; the others are staged, and a re-run resumes where each stopped`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
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
