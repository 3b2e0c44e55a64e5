import type { S3Client } from '@aws-sdk/client-s3';
import { partChecksumsFor } from './checksum-support.js';
import type { StageContext } from './context.js';
import { StageError } from './errors.js';
import { formatBytes } from './format.js';
import { checkStagedObjects, manifestCovers, readManifest, STAGE_TOOL_VERSION, stagedKeys, writeManifest } from './manifest.js';
import { abortOpenUploads, partSizeFor } from './multipart.js';
import { PartBuffers } from './part-buffers.js';
import { Progress } from './progress.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import type { S3Session } from './s3-call.js';
import { explainS3Error } from './s3-errors.js';
import { createStageS3Client, DEFAULT_TIMEOUT_MS, describeS3Endpoint, parseS3Uri } from './s3.js';
import { selectFiles, type SelectOptions } from './select.js';
import { Semaphore } from './semaphore.js';
import { assignShards, receiptFiles, shardReceiptKey, writeShardReceipt, type ShardSpec } from './shard.js';
import type { ResolvedSource, StageManifest, StagedFile } from './types.js';
import { stageFileWithRetry } from './upload-file.js';
import { RayGitopsError } from '../errors/index.js';
import { isStall } from '../net/index.js';
import { silentReporter, type Reporter } from '../report/index.js';

const MiB = 1024 * 1024;

export interface StageOptions {
  readonly source: ResolvedSource;
  /** `s3://bucket/prefix` */
  readonly dest: string;
  /** default: createStageS3Client() (AWS_REGION, AWS_ENDPOINT_URL_S3, the credentials chain) */
  readonly s3?: S3Client;
  readonly selection?: SelectOptions;
  /** parts in flight across all files, as far as maxBufferedBytes holds them; default 8 */
  readonly concurrency?: number;
  /**
   * cap on part buffers held in memory at once (at least one part); default 25 MiB (five 5 MiB parts):
   * a part is read far faster than S3 stores it, so the parts in flight, which this caps, set the upload
   * rate, and for the same memory small parts put more of them in flight. Into loopback Ceph, 1 GiB took
   * 11.7–11.8 s with five 5 MiB parts against 13.0–13.6 s with three 8 MiB ones, at 121–122 MiB peak RSS;
   * freeing dropped source chunks early (dropped-chunks.ts) is what keeps that under 128 MiB
   * (docs/benchmarks.md)
   */
  readonly maxBufferedBytes?: number;
  /** smallest part; default 5 MiB (S3's minimum), grown so the largest file stays under 9,000 parts */
  readonly partSize?: number;
  /** default INTELLIGENT_TIERING; '' sends none (the bucket's default) */
  readonly storageClass?: string;
  readonly reporter?: Reporter;
  /** a progress line every this many ms; default 5000 */
  readonly progressIntervalMs?: number;
  readonly retry?: RetryPolicy;
  /**
   * Do not trust a completion manifest or object metadata: read every object back and compare its
   * sha256 with the source's, upload what is missing or differs, and only then write the manifest anew.
   */
  readonly recheck?: boolean;
  /** no byte moving on an S3 request for this long fails it (retried, ending within twice this); default 120 s */
  readonly timeoutMs?: number;
  /**
   * Stage only this shard's files (a size-balanced, deterministic share of the selection), write a
   * receipt under PREFIX/.shards/ instead of the manifest, and never read or write the manifest:
   * `finalizeStaged` writes it once every shard is done.
   */
  readonly shard?: ShardSpec;
}

export interface StageResult {
  /** `s3://bucket/prefix/org/name/commit/` */
  readonly s3Uri: string;
  readonly manifestUri: string;
  readonly org: string;
  readonly name: string;
  readonly commit: string;
  readonly source: string;
  /** true when a matching manifest was found and nothing was written */
  readonly alreadyStaged: boolean;
  readonly totalBytes: number;
  readonly bytesUploaded: number;
  /** bytes already in S3 and verified (whole objects or parts of open uploads) */
  readonly bytesSkipped: number;
  readonly seconds: number;
  readonly files: readonly StagedFile[];
  readonly notes: readonly string[];
  /** with a shard: which one, and its receipt's s3:// URI */
  readonly shard?: ShardSpec;
  readonly receiptUri?: string;
}

/**
 * Stages a resolved source into S3: one streaming pass per file, multipart uploads with a CRC32C on
 * every part where the store checks it, else the part's signed sha256 where the store checks that, else
 * Content-MD5 (checksum-support.ts), the sha256 of every file checked against the source's before the upload
 * is completed, the manifest written last. Re-runs skip a staged model after reading its manifest,
 * skip verified objects, and continue open multipart uploads from their uploaded parts.
 */
export async function stageModel(options: StageOptions): Promise<StageResult> {
  try {
    return await stageModelUnchecked(options);
  } catch (error) {
    // whatever escaped the per-call explanations (an SDK configuration error, say) is still one line
    if (error instanceof RayGitopsError) throw error;
    throw explainS3Error(error, { where: 'S3', operation: `staging to ${options.dest}`, attempts: 1, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(options.storageClass ? { storageClass: options.storageClass } : {}) });
  }
}

async function stageModelUnchecked(options: StageOptions): Promise<StageResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const retry = options.retry ?? DEFAULT_RETRY;
  const location = parseS3Uri(options.dest);
  const source = options.source;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const s3 = options.s3 ?? (await createStageS3Client({ timeoutMs }));
  const sdk = await import('@aws-sdk/client-s3');
  const storageClass = options.storageClass ?? 'INTELLIGENT_TIERING';
  const session: S3Session = { s3, sdk, bucket: location.bucket, where: await describeS3Endpoint(s3), retry, timeoutMs, reporter, storageClass };
  const { modelPrefix, manifestKey } = stagedKeys(location, source);
  const s3Uri = `s3://${location.bucket}/${modelPrefix}`;
  const manifestUri = `s3://${location.bucket}/${manifestKey}`;
  const { files: selected, notes } = selectFiles(source.files, options.selection ?? {});
  for (const note of notes) reporter.info(note);
  if (selected.length === 0) throw new StageError(`no files of ${source.description} match the selection; check --include/--exclude`);
  if (!selected.some((f) => f.path.endsWith('config.json') || f.path.endsWith('params.json'))) reporter.warning(`${source.description}: no config.json or params.json among the staged files; vLLM will not load this model`);
  const shard = options.shard;
  const files = shard ? assignShards(selected, shard.count)[shard.index]! : selected;
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const receiptKey = shard ? shardReceiptKey(location, source, shard) : undefined;
  const base = {
    s3Uri,
    manifestUri,
    org: source.org,
    name: source.name,
    commit: source.commit,
    source: source.description,
    totalBytes,
    notes,
    ...(shard && receiptKey ? { shard, receiptUri: `s3://${location.bucket}/${receiptKey}` } : {}),
  };
  if (shard) reporter.info(`shard ${shard.index}/${shard.count}: ${files.length} of ${selected.length} file(s), ${formatBytes(totalBytes)} of ${formatBytes(selected.reduce((sum, f) => sum + f.size, 0))}`);

  // 1. a complete model: read its manifest and HEAD every object it vouches for
  const distrusted = new Set<string>();
  // a shard never trusts the manifest: it HEADs its own objects below, and finalize writes the manifest
  const existing = options.recheck || shard ? undefined : await readManifest(session, manifestKey);
  const problems = existing && manifestCovers(existing, files) ? await checkStagedObjects(session, modelPrefix, existing) : undefined;
  for (const p of problems ?? []) if (p.problem !== 'missing') distrusted.add(p.key);
  if (problems && problems.length > 0) {
    const shown = problems.slice(0, 5).map((p) => `${p.path} (${p.problem})`).join(', ');
    reporter.warning(`${s3Uri} has a completion manifest, but ${problems.length} object(s) no longer match it: ${shown}${problems.length > 5 ? ', …' : ''}; staging them again`);
  }
  if (existing && problems?.length === 0) {
    reporter.info(`${s3Uri} is already staged (manifest ${manifestUri}, all ${existing.files.length} object(s) present and unchanged); nothing to do`);
    return {
      ...base,
      alreadyStaged: true,
      bytesUploaded: 0,
      bytesSkipped: totalBytes,
      seconds: (Date.now() - started) / 1000,
      files: existing.files.map((f) => ({ ...f, action: 'skipped' as const, bytesUploaded: 0 })),
    };
  }

  const concurrency = Math.max(1, options.concurrency ?? 8);
  const partSize = partSizeFor(Math.max(0, ...files.map((f) => f.size)), options.partSize ?? 5 * MiB);
  const bufferCount = Math.max(1, Math.floor((options.maxBufferedBytes ?? 25 * MiB) / partSize));
  const progress = new Progress(totalBytes, files.length, reporter, options.progressIntervalMs ?? 5000);
  // the probe object sits beside the manifest, never under the model prefix a reader loads every file of
  const checksums = await partChecksumsFor(session, `${manifestKey}.checksum-probe`);
  const ctx: StageContext = {
    ...session,
    source,
    storageClass,
    partSize,
    checksums,
    buffers: new PartBuffers(partSize, bufferCount),
    slots: new Semaphore(concurrency),
    progress,
    reporter,
    retry,
    openUploads: new Map(),
    distrusted,
    readBack: options.recheck === true,
    failed: undefined,
  };

  reporter.info(`staging ${files.length} file(s), ${formatBytes(totalBytes)}, from ${source.description} (commit ${source.commit}) to ${s3Uri}`);
  progress.start();
  const staged: StagedFile[] = new Array<StagedFile>(files.length);
  try {
    let next = 0;
    // a file being read needs a part buffer to make progress: more readers than buffers only hold more
    // connections and received chunks in memory (with a two-buffer pool, two readers measured ~0.2 s and
    // ~3 MiB better than four); small files need no buffer, so never fewer than two
    const fileWorkers = Math.min(files.length, Math.max(1, Math.min(4, concurrency, Math.max(2, bufferCount))));
    await Promise.all(
      Array.from({ length: fileWorkers }, async () => {
        while (next < files.length && !ctx.failed) {
          const index = next++;
          try {
            staged[index] = await stageFileWithRetry(ctx, files[index]!, `${modelPrefix}${files[index]!.path}`);
          } catch (error) {
            ctx.failed ??= error;
            throw error;
          }
        }
      }),
    );
  } catch (error) {
    progress.stop();
    // a store that stopped answering would stall each abort too: the next run continues those uploads
    if (isStall(error) || isStall((error as { cause?: unknown }).cause)) {
      if (ctx.openUploads.size > 0) reporter.warning(`left ${ctx.openUploads.size} multipart upload(s) open on the unresponsive store; the next run continues them`);
    } else {
      await abortOpenUploads(ctx);
    }
    throw error;
  }
  progress.stop();
  if (shard && receiptKey) {
    return finishShard(session, receiptKey, shard, { ...base, alreadyStaged: false, bytesSkipped: progress.skipped, files: staged }, started);
  }

  // 2. the manifest, last: readers see a complete model or none
  const manifest: StageManifest = {
    schemaVersion: 1,
    tool: { name: 'ray-gitops', version: STAGE_TOOL_VERSION },
    source: { kind: source.kind, description: source.description, org: source.org, name: source.name, commit: source.commit },
    s3Uri,
    totalBytes,
    files: staged.map((f) => ({
      path: f.path,
      size: f.size,
      sha256: f.sha256,
      ...(f.etag ? { etag: f.etag } : {}),
      ...(f.crc32c ? { crc32c: f.crc32c } : {}),
    })),
  };
  await writeManifest(session, manifestKey, manifest);
  const bytesUploaded = staged.reduce((sum, f) => sum + f.bytesUploaded, 0);
  const result: StageResult = {
    ...base,
    alreadyStaged: false,
    bytesUploaded,
    bytesSkipped: progress.skipped,
    seconds: (Date.now() - started) / 1000,
    files: staged,
  };
  reporter.info(
    `staged ${files.length} file(s), ${formatBytes(totalBytes)} in ${result.seconds.toFixed(1)} s: ${formatBytes(bytesUploaded)} uploaded, ${formatBytes(result.bytesSkipped)} already there; manifest ${manifestUri}`,
  );
  return result;
}

/** A shard's end: its receipt (never the manifest), and the one line saying what it did. */
async function finishShard(session: S3Session, receiptKey: string, shard: ShardSpec, partial: Omit<StageResult, 'bytesUploaded' | 'seconds'>, started: number): Promise<StageResult> {
  const bytesUploaded = partial.files.reduce((sum, f) => sum + f.bytesUploaded, 0);
  const result: StageResult = { ...partial, bytesUploaded, seconds: (Date.now() - started) / 1000 };
  await writeShardReceipt(session, receiptKey, {
    schemaVersion: 1,
    shard,
    source: result.source,
    commit: result.commit,
    totalBytes: result.totalBytes,
    bytesUploaded,
    bytesSkipped: result.bytesSkipped,
    seconds: Number(result.seconds.toFixed(3)),
    finishedAt: new Date().toISOString(),
    files: receiptFiles(result.files),
  });
  session.reporter.info(
    `shard ${shard.index}/${shard.count} staged ${result.files.length} file(s), ${formatBytes(result.totalBytes)} in ${result.seconds.toFixed(1)} s: ${formatBytes(bytesUploaded)} uploaded, ${formatBytes(result.bytesSkipped)} already there; receipt ${result.receiptUri}; the manifest waits for prestage --finalize`,
  );
  return result;
}
