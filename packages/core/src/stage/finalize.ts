import type { S3Client } from '@aws-sdk/client-s3';
import { StageError } from './errors.js';
import { formatBytes } from './format.js';
import { readManifest, STAGE_TOOL_VERSION, stagedKeys, writeManifest } from './manifest.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { describeCall, s3Call, signalOption, type S3Session } from './s3-call.js';
import { explainS3Error } from './s3-errors.js';
import { isNotFound } from './s3-requests.js';
import { createStageS3Client, DEFAULT_TIMEOUT_MS, describeS3Endpoint, parseS3Uri } from './s3.js';
import { selectFiles, type SelectOptions } from './select.js';
import { Semaphore } from './semaphore.js';
import { assignShards, shardReceiptPrefix, type ShardReceipt } from './shard.js';
import { headStaged, storedChecksums } from './staged-object.js';
import type { ResolvedSource, SourceFile, StagedFileRecord, StageManifest } from './types.js';
import { RayGitopsError } from '../errors/index.js';
import { silentReporter, type Reporter } from '../report/index.js';

export interface FinalizeOptions {
  readonly source: ResolvedSource;
  /** `s3://bucket/prefix`, as the shards were given */
  readonly dest: string;
  /** the shards' selection: finalize checks exactly the files they were to stage */
  readonly selection?: SelectOptions;
  readonly s3?: S3Client;
  readonly reporter?: Reporter;
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
}

export interface FinalizeResult {
  readonly s3Uri: string;
  readonly manifestUri: string;
  readonly org: string;
  readonly name: string;
  readonly commit: string;
  readonly source: string;
  readonly totalBytes: number;
  /** true when a manifest that already said exactly this was there: nothing was written */
  readonly alreadyFinalized: boolean;
  readonly files: readonly StagedFileRecord[];
  readonly seconds: number;
}

/** One object that is not what the selection needs, and the shard that stages it (when the receipts tell N). */
interface Missing {
  readonly path: string;
  readonly problem: string;
  readonly shard?: string;
}

/**
 * Ends a sharded staging: HEADs every object the selection names (size, the sha256 and git blob sha1
 * in its metadata against the source's, the ETag against the shard's receipt), and only when all are
 * there writes the completion manifest, last. Safe to run twice (an identical manifest is left alone)
 * and while or after a shard re-runs (a re-staged object is checked as it is now). While anything is
 * missing it writes nothing and throws one line naming what is missing and which shard stages it.
 */
export async function finalizeStaged(options: FinalizeOptions): Promise<FinalizeResult> {
  try {
    return await finalizeUnchecked(options);
  } catch (error) {
    if (error instanceof RayGitopsError) throw error;
    throw explainS3Error(error, { where: 'S3', operation: `finalizing ${options.dest}`, attempts: 1, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }
}

async function finalizeUnchecked(options: FinalizeOptions): Promise<FinalizeResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const location = parseS3Uri(options.dest);
  const source = options.source;
  const s3 = options.s3 ?? (await createStageS3Client({ timeoutMs }));
  const sdk = await import('@aws-sdk/client-s3');
  const where = await describeS3Endpoint(s3);
  const session: S3Session = { s3, sdk, bucket: location.bucket, where, retry: options.retry ?? DEFAULT_RETRY, timeoutMs, reporter };
  const { modelPrefix, manifestKey } = stagedKeys(location, source);
  const s3Uri = `s3://${location.bucket}/${modelPrefix}`;
  const manifestUri = `s3://${location.bucket}/${manifestKey}`;
  const { files } = selectFiles(source.files, options.selection ?? {});
  if (files.length === 0) throw new StageError(`no files of ${source.description} match the selection; check --include/--exclude`);
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);

  const receipts = await readReceipts(session, shardReceiptPrefix(location, source));
  const recorded = new Map(receipts.flatMap((r) => r.files.map((f) => [f.path, f] as const)));
  const shardCount = receipts.length > 0 ? Math.max(...receipts.map((r) => r.shard.count)) : undefined;
  const owner = shardCount ? ownerOf(files, shardCount) : new Map<string, string>();

  reporter.info(`finalize: checking ${files.length} object(s), ${formatBytes(totalBytes)}, under ${s3Uri}${shardCount ? ` (staged as ${shardCount} shard(s), ${receipts.length} receipt(s) found)` : ''}`);
  const records = new Array<StagedFileRecord>(files.length);
  const missing: Missing[] = [];
  const slots = new Semaphore(16);
  await Promise.all(
    files.map(async (file, index) => {
      await slots.acquire(1);
      try {
        const head = await headStaged(session, `${modelPrefix}${file.path}`);
        const stored = head?.Metadata ?? {};
        const receipt = recorded.get(file.path);
        const problem = !head
          ? 'missing'
          : head.ContentLength !== file.size
            ? `size ${head.ContentLength} instead of ${file.size}`
            : !stored.sha256
              ? 'no sha256 metadata (not written by the stager)'
              : file.sha256 && stored.sha256 !== file.sha256
                ? 'sha256 metadata differs from the source'
                : file.gitSha1 && stored['git-sha1'] !== file.gitSha1
                  ? 'git blob sha1 metadata differs from the source'
                  : receipt?.etag && storedChecksums(head.ETag, undefined).etag !== receipt.etag
                    ? 'ETag differs from the shard receipt (replaced after it was staged)'
                    : undefined;
        if (problem) {
          const shard = owner.get(file.path);
          missing.push({ path: file.path, problem, ...(shard ? { shard } : {}) });
          return;
        }
        records[index] = { path: file.path, size: file.size, sha256: stored.sha256!, ...storedChecksums(head!.ETag, head!.ChecksumCRC32C) };
      } finally {
        slots.release(1);
      }
    }),
  );
  if (missing.length > 0) {
    missing.sort((a, b) => (a.path < b.path ? -1 : 1));
    const shown = missing.slice(0, 5).map((m) => `${m.path} (${m.problem}${m.shard ? `, shard ${m.shard}` : ''})`).join(', ');
    const shards = [...new Set(missing.map((m) => m.shard).filter((s): s is string => s !== undefined))];
    throw new StageError(
      `cannot finalize ${s3Uri}: ${missing.length} of ${files.length} object(s) missing or wrong: ${shown}${missing.length > 5 ? ', …' : ''}; no manifest written — ${shards.length > 0 ? `re-run shard(s) ${shards.join(', ')}` : 'run the shards'}, then finalize again`,
    );
  }

  const manifest: StageManifest = {
    schemaVersion: 1,
    tool: { name: 'ray-gitops', version: STAGE_TOOL_VERSION },
    source: { kind: source.kind, description: source.description, org: source.org, name: source.name, commit: source.commit },
    s3Uri,
    totalBytes,
    files: records,
  };
  const { org, name, commit } = source;
  const base = { s3Uri, manifestUri, org, name, commit, source: source.description, totalBytes, files: records };
  const existing = await readManifest(session, manifestKey);
  if (existing && JSON.stringify(existing) === JSON.stringify(manifest)) {
    reporter.info(`finalize: ${s3Uri} is complete and its manifest ${manifestUri} already says so; nothing written`);
    return { ...base, alreadyFinalized: true, seconds: (Date.now() - started) / 1000 };
  }
  await writeManifest(session, manifestKey, manifest);
  const result = { ...base, alreadyFinalized: false, seconds: (Date.now() - started) / 1000 };
  reporter.info(`finalize: all ${files.length} object(s), ${formatBytes(totalBytes)}, present and matching; manifest ${manifestUri} written in ${result.seconds.toFixed(1)} s`);
  return result;
}

/** path → `K/N` of the shard that stages it. */
function ownerOf(files: readonly SourceFile[], count: number): Map<string, string> {
  const owner = new Map<string, string>();
  assignShards(files, count).forEach((shard, index) => {
    for (const file of shard) owner.set(file.path, `${index}/${count}`);
  });
  return owner;
}

/** Every receipt under the model's shard prefix; one that is not JSON is ignored (finalize HEADs the objects anyway). */
async function readReceipts(session: S3Session, prefix: string): Promise<ShardReceipt[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3Call(session, describeCall(session, 'ListObjectsV2', prefix), (abortSignal) =>
      session.s3.send(
        new session.sdk.ListObjectsV2Command({ Bucket: session.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
        signalOption(abortSignal),
      ),
    );
    for (const object of page.Contents ?? []) if (object.Key && /\/\d+-of-\d+\.json$/.test(object.Key)) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const receipts: ShardReceipt[] = [];
  for (const key of keys) {
    try {
      const text = await s3Call(session, describeCall(session, 'GetObject', key), async (abortSignal) => {
        const answer = await session.s3.send(new session.sdk.GetObjectCommand({ Bucket: session.bucket, Key: key }), signalOption(abortSignal));
        return answer.Body!.transformToString();
      });
      const receipt = JSON.parse(text) as ShardReceipt;
      if (receipt && Array.isArray(receipt.files) && receipt.shard && Number.isInteger(receipt.shard.count)) receipts.push(receipt);
    } catch (error) {
      if (!(isNotFound(error) || error instanceof SyntaxError)) throw error;
    }
  }
  // receipts of an older split (another N) say nothing about this one's objects; the newest N wins
  const newest = receipts.sort((a, b) => (a.finishedAt < b.finishedAt ? 1 : -1))[0];
  return newest ? receipts.filter((r) => r.shard.count === newest.shard.count) : [];
}
