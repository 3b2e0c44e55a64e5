import {
  detectWeightFormat,
  finalizeStaged,
  type FinalizeResult,
  parseShard,
  resolveSource,
  type SourceRequest,
  stageModel,
  type StageResult,
  UsageError,
} from '@ray-gitops/core';
import type { CommandDefinition } from '../command.js';

export const prestageCommand: CommandDefinition = {
  path: ['prestage'],
  summary: 'Stage model weights into S3 from Hugging Face, a .tar URL or a local directory: streamed, verified, resumable.',
  synopsis:
    '(--hf REPO[@REV] | --url URL [--sha256 HEX] | --dir PATH) --dest s3://BUCKET/PREFIX [--include GLOB]… [--exclude GLOB]… [--concurrency N] [--storage-class CLASS] [--timeout SECONDS] [--recheck] [--shard K/N | --finalize] [--json]',
  options: {
    'hf': { type: 'string', value: 'REPO[@REV]', description: 'Hugging Face model repository, optionally at a branch, tag or commit (HF_ENDPOINT, HF_TOKEN)' },
    'url': { type: 'string', value: 'URL', description: '.tar archive to stream-extract into S3 (https://; http:// only for a loopback host)' },
    'sha256': { type: 'string', value: 'HEX', description: 'expected sha256 of the --url archive' },
    'dir': { type: 'string', value: 'PATH', description: 'local directory of weights' },
    'dest': { type: 'string', value: 's3://BUCKET/PREFIX', description: 'where to stage; files land under PREFIX/<org>/<name>/<commit>/' },
    'include': { type: 'string', multiple: true, value: 'GLOB', description: 'stage only matching files (replaces the default: the files vLLM reads, one weight format)' },
    'exclude': { type: 'string', multiple: true, value: 'GLOB', description: 'skip matching files' },
    'concurrency': { type: 'string', value: 'N', default: '8', description: 'parts in flight across all files' },
    'storage-class': { type: 'string', value: 'CLASS', default: 'INTELLIGENT_TIERING', description: "S3 storage class of the staged objects; '' for the bucket's default" },
    'timeout': { type: 'string', value: 'SECONDS', default: '120', description: 'no byte moving on an S3, Hub or archive request for this long fails it; retried, a stalled endpoint ends the run within twice this' },
    'recheck': { type: 'boolean', description: 'trust no manifest or metadata: read every staged object back, compare its sha256, re-stage what differs or is missing, then rewrite the manifest' },
    'shard': { type: 'string', value: 'K/N', description: 'stage only shard K (0-based, as JOB_COMPLETION_INDEX) of N: a size-balanced share of the selected files, same files → same shard; writes a receipt under PREFIX/.shards/, never the manifest' },
    'finalize': { type: 'boolean', description: 'after the shards: HEAD every selected object (size, sha256 metadata, ETag) and write the manifest last; exits 1 naming what is missing, writing nothing' },
    'json': { type: 'boolean', description: 'print the staged model (uri, commit, manifestUri, files) as JSON on stdout' },
  },
  async run({ values, streams, reporter }) {
    const sources = (['hf', 'url', 'dir'] as const).filter((flag) => typeof values[flag] === 'string' && values[flag] !== '');
    if (sources.length !== 1) throw new UsageError(`give exactly one of --hf, --url or --dir${sources.length > 1 ? ` (got ${sources.map((s) => `--${s}`).join(', ')})` : ''}`);
    const dest = values.dest;
    if (typeof dest !== 'string' || dest === '') throw new UsageError('--dest s3://BUCKET/PREFIX is required');
    if (!dest.startsWith('s3://')) throw new UsageError(`--dest must be an s3:// location, not '${dest}'`);
    const concurrencyText = typeof values.concurrency === 'string' ? values.concurrency : '8';
    if (!/^\d+$/.test(concurrencyText) || Number(concurrencyText) < 1 || Number(concurrencyText) > 256) throw new UsageError(`--concurrency must be a whole number from 1 to 256, not '${concurrencyText}'`);
    const timeoutText = typeof values.timeout === 'string' ? values.timeout : '120';
    if (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 1 || Number(timeoutText) > 86_400) throw new UsageError(`--timeout must be a whole number of seconds from 1 to 86400, not '${timeoutText}'`);
    const timeoutMs = Number(timeoutText) * 1000;
    const selection = { include: strings(values.include), exclude: strings(values.exclude) };
    const shardText = typeof values.shard === 'string' && values.shard !== '' ? values.shard : undefined;
    const finalize = values.finalize === true;
    if (shardText && finalize) throw new UsageError('give --shard K/N to stage a shard or --finalize to write the manifest after every shard, not both');
    if (finalize && values.recheck === true) throw new UsageError('--recheck reads objects back while staging; give it to the shards, not to --finalize');
    const shard = shardText ? parseShard(shardText) : undefined;

    const token = process.env.HF_TOKEN;
    if (token) reporter.secret(token);
    const sha256 = typeof values.sha256 === 'string' && values.sha256 !== '' ? values.sha256 : undefined;
    const request: SourceRequest =
      sources[0] === 'hf'
        ? { kind: 'huggingface', ref: values.hf as string }
        : sources[0] === 'dir'
          ? { kind: 'dir', path: values.dir as string }
          : { kind: 'url', url: values.url as string, ...(sha256 ? { sha256 } : {}) };
    const source = await resolveSource(request, {
      selection,
      timeoutMs,
      onRetry: (message) => reporter.info(message),
      onNote: (message) => reporter.warning(message),
    });
    if (finalize) {
      const finalized = await finalizeStaged({ source, dest, selection, timeoutMs, reporter });
      if (values.json === true) streams.stdout.write(`${JSON.stringify(finalizedRecord(finalized), null, 2)}\n`);
      else streams.stdout.write(`${finalized.s3Uri}\n`);
      return 0;
    }
    const result = await stageModel({
      ...(shard ? { shard } : {}),
      source,
      dest,
      selection,
      concurrency: Number(concurrencyText),
      storageClass: typeof values['storage-class'] === 'string' ? values['storage-class'] : 'INTELLIGENT_TIERING',
      recheck: values.recheck === true,
      timeoutMs,
      reporter,
    });
    if (values.json === true) streams.stdout.write(`${JSON.stringify(stagedRecord(result), null, 2)}\n`);
    else streams.stdout.write(`${result.s3Uri}\n`);
    return 0;
  },
};

/** The record render's `--staged` map takes (uri, commit, manifestUri, format, source), plus the transfer figures. */
export function stagedRecord(result: StageResult): Record<string, unknown> {
  const format = detectWeightFormat(result.files.map((f) => f.path));
  return {
    uri: result.s3Uri,
    commit: result.commit,
    manifestUri: result.manifestUri,
    ...(format ? { format } : {}),
    source: result.source,
    org: result.org,
    name: result.name,
    alreadyStaged: result.alreadyStaged,
    ...(result.shard ? { shard: `${result.shard.index}/${result.shard.count}`, receiptUri: result.receiptUri } : {}),
    totalBytes: result.totalBytes,
    bytesUploaded: result.bytesUploaded,
    bytesSkipped: result.bytesSkipped,
    seconds: Number(result.seconds.toFixed(3)),
    files: result.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, action: f.action, bytesUploaded: f.bytesUploaded })),
  };
}

/** The same record as a whole-model prestage: what render's `--staged` map takes. */
export function finalizedRecord(result: FinalizeResult): Record<string, unknown> {
  const format = detectWeightFormat(result.files.map((f) => f.path));
  return {
    uri: result.s3Uri,
    commit: result.commit,
    manifestUri: result.manifestUri,
    ...(format ? { format } : {}),
    source: result.source,
    org: result.org,
    name: result.name,
    alreadyFinalized: result.alreadyFinalized,
    totalBytes: result.totalBytes,
    seconds: Number(result.seconds.toFixed(3)),
    files: result.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
  };
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string' && v !== '');
}
