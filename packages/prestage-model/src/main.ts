import { join } from 'node:path';
import * as core from '@actions/core';
import {
  createWorkflowReporter,
  detectWeightFormat,
  loadModelEntry,
  type ResolvedSource,
  resolveSource,
  type SelectOptions,
  stageModel,
  type StageResult,
  UsageError,
} from '@ray-gitops/core';

/** Reads the inputs, stages the model into S3, sets the outputs and writes a per-file job summary. */
export async function run(): Promise<void> {
  try {
    const token = core.getInput('hf-token') || process.env.HF_TOKEN || '';
    if (token) core.setSecret(token);
    const reporter = createWorkflowReporter(core);
    const dest = core.getInput('dest', { required: true });
    const selection: SelectOptions = { include: core.getMultilineInput('include'), exclude: core.getMultilineInput('exclude') };
    const concurrency = Number(core.getInput('concurrency') || '8');
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`the concurrency input must be a positive whole number, not '${core.getInput('concurrency')}'`);

    const source = await core.group('Resolve the source', () => resolveRequestedSource(selection, token, reporter.info));
    const result = await core.group(`Stage ${source.description} to S3`, () =>
      stageModel({ source, dest, selection, concurrency, storageClass: core.getInput('storage-class'), reporter }),
    );
    core.setOutput('s3-uri', result.s3Uri);
    core.setOutput('commit', result.commit);
    core.setOutput('manifest-uri', result.manifestUri);
    core.setOutput('bytes-uploaded', String(result.bytesUploaded));
    core.setOutput('bytes-skipped', String(result.bytesSkipped));
    const format = detectWeightFormat(result.files.map((f) => f.path));
    core.setOutput('staged', JSON.stringify({ uri: result.s3Uri, commit: result.commit, manifestUri: result.manifestUri, source: result.source, ...(format ? { format } : {}) }));
    await core.summary.addRaw(summaryMarkdown(result)).write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

async function resolveRequestedSource(selection: SelectOptions, token: string, log: (message: string) => void): Promise<ResolvedSource> {
  const hf = core.getInput('hf');
  const url = core.getInput('url');
  const dir = core.getInput('dir');
  const model = core.getInput('model');
  const given = [hf && 'hf', url && 'url', dir && 'dir', model && 'model'].filter(Boolean);
  if (given.length !== 1) throw new UsageError(`set exactly one of the inputs hf, url, dir or model${given.length > 1 ? ` (got ${given.join(', ')})` : ''}`);
  const options = { selection, ...(token ? { token } : {}), onRetry: log };
  if (hf) return resolveSource({ kind: 'huggingface', ref: hf }, options);
  if (dir) return resolveSource({ kind: 'dir', path: dir }, options);
  const sha256 = core.getInput('sha256');
  if (url) return resolveSource({ kind: 'url', url, ...(sha256 ? { sha256 } : {}) }, options);
  const file = join(core.getInput('catalog') || 'gitops/models', `${model}.yaml`);
  const loaded = await loadModelEntry(file);
  if (!loaded.entry) throw new UsageError(`the catalog entry ${file} has problems: ${loaded.diagnostics.map((d) => d.message).join('; ')}; run 'ray-gitops catalog check'`);
  return resolveSource({ kind: 'catalog', name: model, source: loaded.entry.source }, options);
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
