import {
  DEFAULT_CATALOG_DIR,
  DEFAULT_OUT_DIR,
  finalizeStaged,
  type FinalizeResult,
  parseShard,
  resolveSource,
  type SourceRequest,
  stageCatalogModels,
  stagedRecordsByModel,
  stageModel,
  type StageResult,
  toStagedRecord,
  UsageError,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';
import { isInteractive } from '../stderr-reporter.js';

export const prestageCommand: CommandDefinition = {
  path: ['prestage'],
  summary: 'Stage model weights into S3 from Hugging Face, a .tar URL, a local directory or catalog entries: streamed, verified, resumable.',
  synopsis:
    '(--hf REPO[@REV] | --url URL [--sha256 HEX] | --dir PATH | --model NAME…|all|pending [--catalog DIR] [--out DIR]) --dest s3://BUCKET/PREFIX [--include GLOB]… [--exclude GLOB]… [--concurrency N] [--storage-class CLASS] [--timeout SECONDS] [--recheck] [--shard K/N | --finalize] [--json]',
  positionals: 'NAME',
  options: {
    'hf': { type: 'string', value: 'REPO[@REV]', description: 'Hugging Face model repository, optionally at a branch, tag or commit (HF_ENDPOINT, HF_TOKEN)' },
    'url': { type: 'string', value: 'URL', description: '.tar archive to stream-extract into S3 (https://; http:// only for a loopback host)' },
    'sha256': { type: 'string', value: 'HEX', description: 'expected sha256 of the --url archive' },
    'dir': { type: 'string', value: 'PATH', description: 'local directory of weights' },
    'model': {
      type: 'string',
      multiple: true,
      value: 'NAME…|all|pending',
      description: "catalog entries to stage from their own source: names (--model a b, --model a,b or --model a --model b), 'all', or 'pending' (those the rendered tree in --out has no staged weights for)",
    },
    'catalog': { type: 'string', value: 'DIR', default: DEFAULT_CATALOG_DIR, description: 'the catalog --model reads' },
    'out': { type: 'string', value: 'DIR', default: DEFAULT_OUT_DIR, description: 'the rendered tree --model pending compares against' },
    'recheck': { type: 'boolean', description: 'trust no manifest or metadata: read every staged object back, compare its sha256, re-stage what differs or is missing, then rewrite the manifest' },
    'dest': { type: 'string', value: 's3://BUCKET/PREFIX', description: 'where to stage; files land under PREFIX/<org>/<name>/<commit>/' },
    'include': { type: 'string', multiple: true, value: 'GLOB', description: 'stage only matching files (replaces the default: the files vLLM reads, one weight format)' },
    'exclude': { type: 'string', multiple: true, value: 'GLOB', description: 'skip matching files' },
    'concurrency': { type: 'string', value: 'N', default: '8', description: 'parts in flight across all files' },
    'storage-class': { type: 'string', value: 'CLASS', default: 'INTELLIGENT_TIERING', description: "S3 storage class of the staged objects; '' for the bucket's default" },
    'timeout': { type: 'string', value: 'SECONDS', default: '120', description: 'no byte moving on an S3, Hub or archive request for this long fails it; retried, a stalled endpoint ends the run within twice this' },
    'shard': { type: 'string', value: 'K/N', description: 'stage only shard K (0-based, as JOB_COMPLETION_INDEX) of N: a size-balanced share of the selected files, same files → same shard; writes a receipt under PREFIX/.shards/, never the manifest' },
    'finalize': { type: 'boolean', description: 'after the shards: HEAD every selected object (size, sha256 metadata, ETag) and write the manifest last; exits 1 naming what is missing, writing nothing' },
    'json': { type: 'boolean', description: 'print the staged record (uri, commit, manifestUri, source, format) and the transfer figures as JSON on stdout; render --staged reads it as it is' },
  },
  async run({ values, positionals, streams, reporter }) {
    const models = strings(values.model);
    // `--model a b c`: the names after the first arrive as positionals
    if (positionals.length > 0 && models.length === 0) throw new UsageError(`unexpected argument '${positionals[0]}'; only --model takes more than one name`);
    models.push(...positionals);
    const sources = (['hf', 'url', 'dir'] as const).filter((flag) => typeof values[flag] === 'string' && values[flag] !== '');
    const given = [...sources, ...(models.length > 0 ? ['model'] : [])];
    if (given.length !== 1) throw new UsageError(`give exactly one of --hf, --url, --dir or --model${given.length > 1 ? ` (got ${given.map((s) => `--${s}`).join(', ')})` : ''}`);
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
    const stage = {
      ...(shard ? { shard } : {}),
      dest,
      selection,
      concurrency: Number(concurrencyText),
      storageClass: typeof values['storage-class'] === 'string' ? values['storage-class'] : 'INTELLIGENT_TIERING',
      recheck: values.recheck === true,
      timeoutMs,
      // a terminal redraws the bar four times a second; a log gets a line every few seconds
      ...(isInteractive(streams) ? { progressIntervalMs: 250 } : {}),
    };
    const resolveOptions = {
      selection,
      timeoutMs,
      onRetry: (message: string) => reporter.info(message),
      onNote: (message: string) => reporter.warning(message),
    };
    if (models.length > 0) {
      const staging = await stageCatalogModels({
        models: models.join(','),
        catalogDir: values.catalog as string,
        outDir: values.out as string,
        stage,
        finalize,
        resolve: resolveOptions,
        reporter,
      });
      const reports = Object.fromEntries(staging.staged.map(({ name, result }) => [name, stagedReport(result, name)]));
      if (values.json === true) streams.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else for (const [name, record] of Object.entries(stagedRecordsByModel(staging))) streams.stdout.write(`${name} ${record.uri}\n`);
      if (staging.failed.length === 0) return ExitCode.ok;
      reporter.error(`staging failed for ${staging.failed.map((one) => one.name).join(', ')}; the others are staged, and a re-run resumes where each stopped`);
      return ExitCode.problemsFound;
    }
    const sha256 = typeof values.sha256 === 'string' && values.sha256 !== '' ? values.sha256 : undefined;
    const request: SourceRequest =
      sources[0] === 'hf'
        ? { kind: 'huggingface', ref: values.hf as string }
        : sources[0] === 'dir'
          ? { kind: 'dir', path: values.dir as string }
          : { kind: 'url', url: values.url as string, ...(sha256 ? { sha256 } : {}) };
    const source = await resolveSource(request, resolveOptions);
    if (finalize) {
      const finalized = await finalizeStaged({ source, dest, selection, timeoutMs, reporter });
      if (values.json === true) streams.stdout.write(`${JSON.stringify(finalizedReport(finalized), null, 2)}\n`);
      else streams.stdout.write(`${finalized.s3Uri}\n`);
      return 0;
    }
    const result = await stageModel({ ...stage, source, reporter });
    if (values.json === true) streams.stdout.write(`${JSON.stringify(stagedReport(result), null, 2)}\n`);
    else streams.stdout.write(`${result.s3Uri}\n`);
    return 0;
  },
};

/** The staged record render's `--staged` takes (toStagedRecord), plus the transfer figures it reads past. */
export function stagedReport(result: StageResult, model?: string): Record<string, unknown> {
  return {
    ...toStagedRecord(result, model !== undefined ? { model } : {}),
    org: result.org,
    name: result.name,
    alreadyStaged: result.alreadyStaged,
    ...(result.shard ? { shard: `${result.shard.index}/${result.shard.count}`, receiptUri: result.receiptUri } : {}),
    totalBytes: result.totalBytes,
    bytesUploaded: result.bytesUploaded,
    bytesSkipped: result.bytesSkipped,
    seconds: Number(result.seconds.toFixed(3)),
    files: result.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, action: f.action })),
  };
}

/** The same record as a whole-model prestage (render's `--staged` reads it), with finalize's figures. */
export function finalizedReport(result: FinalizeResult): Record<string, unknown> {
  return {
    ...toStagedRecord(result),
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
