import { describeCall, s3Call, signalOption, type S3Session } from './s3-call.js';
import { joinKey, type S3Location } from './s3.js';
import type { SourceFile, StagedFile } from './types.js';
import { UsageError } from '../errors/index.js';

/** Shard `index` (0-based, as Kubernetes' JOB_COMPLETION_INDEX) of `count`. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** The most shards one model is split into: an Indexed Job of more pods than this buys nothing but requests. */
const MAX_SHARDS = 64;

/** `K/N` → { index: K, count: N }, with 0 ≤ K < N ≤ 64. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d{1,3})\/(\d{1,3})$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || count > MAX_SHARDS || index >= count) {
    throw new UsageError(`--shard must be K/N with N from 1 to ${MAX_SHARDS} and K from 0 to N-1 (the Job's completion index), not '${text}'`);
  }
  return { index, count };
}

/**
 * Assigns whole files to `count` shards, balanced by size: the largest file first, each to the shard
 * with the fewest bytes so far (ties to the lower index, files of equal size by path). It depends
 * only on the paths and sizes, so every shard of a Job, and finalize, computes the same assignment.
 * A file is never split: a model whose largest file exceeds total/count leaves that file's shard longest.
 */
export function assignShards(files: readonly SourceFile[], count: number): SourceFile[][] {
  const shards: SourceFile[][] = Array.from({ length: count }, () => []);
  const loads = new Array<number>(count).fill(0);
  const order = [...files].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const file of order) {
    let lightest = 0;
    for (let i = 1; i < count; i++) if (loads[i]! < loads[lightest]!) lightest = i;
    shards[lightest]!.push(file);
    // an empty file still counts, so a model of many empty files spreads too
    loads[lightest]! += Math.max(file.size, 1);
  }
  for (const shard of shards) shard.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return shards;
}

/** Which shard stages `path`, for messages that say what to re-run. */
export function shardOf(files: readonly SourceFile[], count: number, path: string): number | undefined {
  const index = assignShards(files, count).findIndex((shard) => shard.some((f) => f.path === path));
  return index < 0 ? undefined : index;
}

/** `PREFIX/.shards/<org>/<name>/<commit>/` — outside the model prefix, so a reader of the model never sees it. */
export function shardReceiptPrefix(location: S3Location, source: { org: string; name: string; commit: string }): string {
  return `${joinKey(location.prefix, '.shards', source.org, source.name, source.commit)}/`;
}

export function shardReceiptKey(location: S3Location, source: { org: string; name: string; commit: string }, shard: ShardSpec): string {
  return `${shardReceiptPrefix(location, source)}${shard.index}-of-${shard.count}.json`;
}

/** What one shard staged, written when it finished; finalize and a person read it, nothing trusts it alone. */
export interface ShardReceipt {
  readonly schemaVersion: 1;
  readonly shard: ShardSpec;
  readonly source: string;
  readonly commit: string;
  readonly totalBytes: number;
  readonly bytesUploaded: number;
  readonly bytesSkipped: number;
  readonly seconds: number;
  readonly finishedAt: string;
  readonly files: readonly { path: string; size: number; sha256: string; action: string; bytesUploaded: number; etag?: string; crc32c?: string }[];
}

export async function writeShardReceipt(session: S3Session, key: string, receipt: ShardReceipt): Promise<void> {
  const body = `${JSON.stringify(receipt, null, 2)}\n`;
  await s3Call(session, describeCall(session, 'PutObject', key), (abortSignal) =>
    session.s3.send(new session.sdk.PutObjectCommand({ Bucket: session.bucket, Key: key, Body: body, ContentType: 'application/json' }), signalOption(abortSignal)),
  );
}

export function receiptFiles(files: readonly StagedFile[]): ShardReceipt['files'] {
  return files.map((f) => ({
    path: f.path,
    size: f.size,
    sha256: f.sha256,
    action: f.action,
    bytesUploaded: f.bytesUploaded,
    ...(f.etag ? { etag: f.etag } : {}),
    ...(f.crc32c ? { crc32c: f.crc32c } : {}),
  }));
}
