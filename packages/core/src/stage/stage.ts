import { createHash, type Hash } from 'node:crypto';
import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import { crc32c } from './crc32c.js';
import { IntegrityError, StageError } from './errors.js';
import { Progress } from './progress.js';
import { resilientChunks } from './read.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from './retry.js';
import { createStageS3Client, joinKey, parseS3Uri, type S3Location } from './s3.js';
import { selectFiles, type SelectOptions } from './select.js';
import { Semaphore } from './semaphore.js';
import type { ResolvedSource, SourceFile, StageManifest } from './types.js';
import { silentReporter, type Reporter } from '../report/index.js';

export const STAGE_TOOL_VERSION = '0.1.0';
const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB..5 GiB, at most 10,000 of them; we stay under 9,000 for headroom. */
const MIN_PART = 5 * MiB;
const MAX_PARTS = 9_000;

export interface StageOptions {
  readonly source: ResolvedSource;
  /** `s3://bucket/prefix` */
  readonly dest: string;
  /** default: createStageS3Client() (AWS_REGION, AWS_ENDPOINT_URL_S3, the credentials chain) */
  readonly s3?: S3Client;
  readonly selection?: SelectOptions;
  /** parts in flight across all files; default 8 */
  readonly concurrency?: number;
  /** cap on part buffers held in memory at once; default 96 MiB */
  readonly maxBufferedBytes?: number;
  /** smallest part; default 8 MiB, grown so a file stays under 9,000 parts */
  readonly partSize?: number;
  /** default INTELLIGENT_TIERING; '' sends none (the bucket's default) */
  readonly storageClass?: string;
  readonly reporter?: Reporter;
  /** a progress line every this many ms; default 5000 */
  readonly progressIntervalMs?: number;
  readonly retry?: RetryPolicy;
}

export type FileAction = 'uploaded' | 'resumed' | 'skipped';

export interface StagedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly action: FileAction;
  /** bytes this run sent to S3 for the file */
  readonly bytesUploaded: number;
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
}

/** The S3 keys of a staged model. */
export function stagedKeys(
  location: S3Location,
  source: { org: string; name: string; commit: string },
): { modelPrefix: string; manifestKey: string } {
  return {
    modelPrefix: `${joinKey(location.prefix, source.org, source.name, source.commit)}/`,
    manifestKey: joinKey(location.prefix, '.manifests', source.org, source.name, `${source.commit}.json`),
  };
}

/** Part size for a file: at least `minimum` (and 5 MiB), whole MiB, few enough parts for S3. */
export function partSizeFor(size: number, minimum: number): number {
  const floor = Math.max(MIN_PART, minimum);
  return Math.max(floor, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

/**
 * Stages a resolved source into S3: one streaming pass per file, multipart uploads with CRC32C and
 * Content-MD5 on every part, the sha256 of every file checked against the source's before the upload
 * is completed, the manifest written last. Re-runs skip a staged model after reading its manifest,
 * skip verified objects, and continue open multipart uploads from their uploaded parts.
 */
export async function stageModel(options: StageOptions): Promise<StageResult> {
  const started = Date.now();
  const reporter = options.reporter ?? silentReporter;
  const location = parseS3Uri(options.dest);
  const source = options.source;
  const s3 = options.s3 ?? (await createStageS3Client());
  const sdk = await import('@aws-sdk/client-s3');
  const { modelPrefix, manifestKey } = stagedKeys(location, source);
  const s3Uri = `s3://${location.bucket}/${modelPrefix}`;
  const manifestUri = `s3://${location.bucket}/${manifestKey}`;
  const { files, notes } = selectFiles(source.files, options.selection ?? {});
  for (const note of notes) reporter.info(note);
  if (files.length === 0) throw new StageError(`no files of ${source.description} match the selection; check --include/--exclude`);
  if (!files.some((f) => f.path.endsWith('config.json') || f.path.endsWith('params.json'))) reporter.warning(`${source.description}: no config.json or params.json among the staged files; vLLM will not load this model`);
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
  const base = { s3Uri, manifestUri, org: source.org, name: source.name, commit: source.commit, source: source.description, totalBytes, notes };

  // 1. a complete model: nothing to do but read its manifest
  const existing = await readManifest(s3, sdk, location.bucket, manifestKey, options.retry);
  if (existing && manifestCovers(existing, files)) {
    reporter.info(`${s3Uri} is already staged (manifest ${manifestUri}); nothing to do`);
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
  const minPart = options.partSize ?? 8 * MiB;
  const largestPart = Math.max(...files.map((f) => partSizeFor(f.size, minPart)));
  const budget = new Semaphore(Math.max(options.maxBufferedBytes ?? 96 * MiB, largestPart));
  const slots = new Semaphore(concurrency);
  const progress = new Progress(totalBytes, files.length, reporter, options.progressIntervalMs ?? 5000);
  const ctx: FileContext = {
    s3,
    sdk,
    bucket: location.bucket,
    source,
    storageClass: options.storageClass ?? 'INTELLIGENT_TIERING',
    minPart,
    budget,
    slots,
    progress,
    reporter,
    retry: options.retry ?? DEFAULT_RETRY,
    openUploads: new Map(),
    failed: undefined,
  };

  reporter.info(`staging ${files.length} file(s), ${formatBytes(totalBytes)}, from ${source.description} (commit ${source.commit}) to ${s3Uri}`);
  progress.start();
  const staged: StagedFile[] = new Array<StagedFile>(files.length);
  try {
    let next = 0;
    const fileWorkers = Math.min(files.length, Math.max(1, Math.min(4, concurrency)));
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
    await abortOpenUploads(ctx);
    throw error;
  }
  progress.stop();

  // 2. the manifest, last: readers see a complete model or none
  const manifest: StageManifest = {
    schemaVersion: 1,
    tool: { name: 'ray-gitops', version: STAGE_TOOL_VERSION },
    source: { kind: source.kind, description: source.description, org: source.org, name: source.name, commit: source.commit },
    s3Uri,
    totalBytes,
    files: staged.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
  };
  await withRetry(
    () =>
      s3.send(
        new sdk.PutObjectCommand({ Bucket: location.bucket, Key: manifestKey, Body: `${JSON.stringify(manifest, null, 2)}\n`, ContentType: 'application/json' }),
      ),
    { policy: ctx.retry },
  );
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

type Sdk = typeof import('@aws-sdk/client-s3');

interface FileContext {
  readonly s3: S3Client;
  readonly sdk: Sdk;
  readonly bucket: string;
  readonly source: ResolvedSource;
  readonly storageClass: string;
  readonly minPart: number;
  readonly budget: Semaphore;
  readonly slots: Semaphore;
  readonly progress: Progress;
  readonly reporter: Reporter;
  readonly retry: RetryPolicy;
  /** key → uploadId of multipart uploads this run created or continued and has not finished */
  readonly openUploads: Map<string, string>;
  failed: unknown;
}

async function readManifest(s3: S3Client, sdk: Sdk, bucket: string, key: string, retry?: RetryPolicy): Promise<StageManifest | undefined> {
  try {
    const response = await withRetry(() => s3.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key })), { ...(retry ? { policy: retry } : {}) });
    return JSON.parse(await response.Body!.transformToString()) as StageManifest;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** The manifest lists exactly these files, with the same sizes and (where the source gives one) sha256. */
function manifestCovers(manifest: StageManifest, files: readonly SourceFile[]): boolean {
  if (!Array.isArray(manifest.files) || manifest.files.length !== files.length) return false;
  const byPath = new Map(manifest.files.map((f) => [f.path, f]));
  return files.every((f) => {
    const m = byPath.get(f.path);
    return m !== undefined && m.size === f.size && (f.sha256 === undefined || m.sha256 === f.sha256);
  });
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** A file whose bytes did not match the source's checksum is staged once more from scratch. */
async function stageFileWithRetry(ctx: FileContext, file: SourceFile, key: string): Promise<StagedFile> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stageFile(ctx, file, key);
    } catch (error) {
      if (!(error instanceof IntegrityError) || attempt >= 3 || ctx.failed) throw error;
      ctx.reporter.warning(`${error.message}; staging ${file.path} again (attempt ${attempt + 1} of 3)`);
    }
  }
}

async function stageFile(ctx: FileContext, file: SourceFile, key: string): Promise<StagedFile> {
  const { s3, sdk, bucket } = ctx;
  // an object already there, with the checksum we expect, is kept
  const headObject = () => s3.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
  const head = await withRetry(headObject, { policy: ctx.retry }).catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });
  const stored = head?.Metadata ?? {};
  if (head && head.ContentLength === file.size && stored.sha256 && (file.sha256 ? stored.sha256 === file.sha256 : file.gitSha1 ? stored['git-sha1'] === file.gitSha1 : false)) {
    ctx.progress.skip(file.size, true);
    return { path: file.path, size: file.size, sha256: stored.sha256, action: 'skipped', bytesUploaded: 0 };
  }
  const partSize = partSizeFor(file.size, ctx.minPart);
  return file.size <= partSize ? putSmall(ctx, file, key) : putMultipart(ctx, file, key, partSize);
}

function newHashes(file: SourceFile): { sha256: Hash; sha1?: Hash } {
  const sha256 = createHash('sha256');
  if (!file.gitSha1) return { sha256 };
  return { sha256, sha1: createHash('sha1').update(`blob ${file.size}\0`) };
}

/** The digests match what the source published, or an IntegrityError says which did not. */
function verify(file: SourceFile, hashes: { sha256: Hash; sha1?: Hash }): string {
  const sha256 = hashes.sha256.digest('hex');
  if (file.sha256 && sha256 !== file.sha256) throw new IntegrityError(`${file.path}: sha256 ${sha256} does not match the source's ${file.sha256}`);
  const sha1 = hashes.sha1?.digest('hex');
  if (file.gitSha1 && sha1 !== file.gitSha1) throw new IntegrityError(`${file.path}: git blob sha1 ${sha1} does not match the source's ${file.gitSha1}`);
  return sha256;
}

function metadataFor(file: SourceFile, sha256?: string): Record<string, string> {
  return { ...(sha256 ?? file.sha256 ? { sha256: (sha256 ?? file.sha256)! } : {}), ...(file.gitSha1 ? { 'git-sha1': file.gitSha1 } : {}) };
}

function crcBase64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out.toString('base64');
}

/** One PutObject for a file that fits in one part; the bytes are checked before they are sent. */
async function putSmall(ctx: FileContext, file: SourceFile, key: string): Promise<StagedFile> {
  const held = await ctx.budget.acquire(Math.max(1, file.size));
  try {
    const body = Buffer.allocUnsafe(file.size);
    const hashes = newHashes(file);
    let fill = 0;
    for await (const chunk of resilientChunks(ctx.source, file, 0, { policy: ctx.retry, onRetry: (m) => ctx.reporter.info(m) })) {
      if (ctx.failed) throw ctx.failed;
      body.set(chunk, fill);
      fill += chunk.length;
      hashes.sha256.update(chunk);
      hashes.sha1?.update(chunk);
    }
    const sha256 = verify(file, hashes);
    const md5 = createHash('md5').update(body).digest('base64');
    await ctx.slots.acquire(1);
    try {
      await withRetry(
        () =>
          ctx.s3.send(
            new ctx.sdk.PutObjectCommand({
              Bucket: ctx.bucket,
              Key: key,
              Body: body,
              ContentLength: file.size,
              ContentMD5: md5,
              ChecksumCRC32C: crcBase64(crc32c(body)),
              Metadata: metadataFor(file, sha256),
              ...(ctx.storageClass ? { StorageClass: ctx.storageClass as never } : {}),
            }),
          ),
        { policy: ctx.retry, onRetry: (error, attempt, wait) => ctx.reporter.info(`${file.path}: ${describeError(error)}; retrying in ${wait} ms (attempt ${attempt + 2})`) },
      );
    } finally {
      ctx.slots.release(1);
    }
    ctx.progress.add(file.size, file.size);
    ctx.progress.fileDone();
    return { path: file.path, size: file.size, sha256, action: 'uploaded', bytesUploaded: file.size };
  } finally {
    ctx.budget.release(held);
  }
}

interface ExistingPart {
  readonly etag: string;
  readonly size: number;
  readonly crc32c?: string;
}

/** The newest open multipart upload of `key` with its usable parts, aborting older ones. */
async function findOpenUpload(
  ctx: FileContext,
  key: string,
  partSize: number,
  fileSize: number,
): Promise<{ uploadId: string; parts: Map<number, ExistingPart> } | undefined> {
  const { s3, sdk, bucket } = ctx;
  let uploads: { Key?: string; UploadId?: string; Initiated?: Date }[];
  try {
    const listed = await withRetry(() => s3.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key })), { policy: ctx.retry });
    uploads = (listed.Uploads ?? []).filter((u) => u.Key === key && u.UploadId);
  } catch (error) {
    // s3rver and some other S3 servers lack the listing calls: start a fresh upload there
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotImplemented' || e.$metadata?.httpStatusCode === 501 || e.$metadata?.httpStatusCode === 405) return undefined;
    throw error;
  }
  if (uploads.length === 0) return undefined;
  uploads.sort((a, b) => (b.Initiated?.getTime() ?? 0) - (a.Initiated?.getTime() ?? 0));
  const [newest, ...older] = uploads;
  for (const old of older) await abortUpload(ctx, key, old.UploadId!);
  const parts = new Map<number, ExistingPart>();
  let marker: string | undefined;
  for (;;) {
    const request = { Bucket: bucket, Key: key, UploadId: newest!.UploadId!, ...(marker ? { PartNumberMarker: marker } : {}) };
    const page = await withRetry(
      () => s3.send(new sdk.ListPartsCommand(request)),
      { policy: ctx.retry },
    );
    for (const part of page.Parts ?? []) {
      const number = part.PartNumber ?? 0;
      const expected = Math.min(partSize, fileSize - (number - 1) * partSize);
      if (number >= 1 && part.Size === expected && part.ETag) parts.set(number, { etag: part.ETag.replace(/"/g, ''), size: part.Size, ...(part.ChecksumCRC32C ? { crc32c: part.ChecksumCRC32C } : {}) });
    }
    if (!page.IsTruncated || !page.NextPartNumberMarker) break;
    marker = String(page.NextPartNumberMarker);
  }
  return { uploadId: newest!.UploadId!, parts };
}

async function abortUpload(ctx: FileContext, key: string, uploadId: string): Promise<void> {
  const abort = () => ctx.s3.send(new ctx.sdk.AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: key, UploadId: uploadId }));
  await withRetry(abort, { policy: ctx.retry }).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

async function abortOpenUploads(ctx: FileContext): Promise<void> {
  for (const [key, uploadId] of ctx.openUploads) {
    try {
      await abortUpload(ctx, key, uploadId);
    } catch (error) {
      ctx.reporter.warning(`could not abort the multipart upload of s3://${ctx.bucket}/${key} (${describeError(error)}); a bucket lifecycle rule for incomplete uploads will remove it`);
    }
  }
  ctx.openUploads.clear();
}

/**
 * A multipart upload fed by one sequential read of the source. Parts already uploaded by an earlier
 * run are re-read (for the file's sha256) but not re-sent: their MD5 must equal the part's ETag.
 */
async function putMultipart(ctx: FileContext, file: SourceFile, key: string, partSize: number): Promise<StagedFile> {
  const { s3, sdk, bucket } = ctx;
  const open = await findOpenUpload(ctx, key, partSize, file.size);
  let uploadId: string;
  let existing = new Map<number, ExistingPart>();
  if (open) {
    uploadId = open.uploadId;
    existing = open.parts;
    const reusable = [...existing.values()].reduce((sum, p) => sum + p.size, 0);
    ctx.reporter.info(`${file.path}: continuing an open multipart upload with ${existing.size} part(s), ${formatBytes(reusable)} already in S3`);
  } else {
    const created = await withRetry(
      () =>
        s3.send(
          new sdk.CreateMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            ChecksumAlgorithm: 'CRC32C',
            Metadata: metadataFor(file),
            ...(ctx.storageClass ? { StorageClass: ctx.storageClass as never } : {}),
          }),
        ),
      { policy: ctx.retry },
    );
    uploadId = created.UploadId!;
  }
  ctx.openUploads.set(key, uploadId);

  const hashes = newHashes(file);
  const completed: CompletedPart[] = [];
  const pending: Promise<void>[] = [];
  let failure: unknown;
  let uploaded = 0;
  let reused = 0;
  let partNumber = 1;
  let partBytes = 0;
  let partLength = Math.min(partSize, file.size);
  let buffer: Buffer | undefined;
  let held = 0;
  let md5 = createHash('md5');
  let crc = 0;

  const beginPart = async () => {
    partLength = Math.min(partSize, file.size - (partNumber - 1) * partSize);
    partBytes = 0;
    md5 = createHash('md5');
    crc = 0;
    if (!existing.has(partNumber)) {
      held = await ctx.budget.acquire(partLength);
      buffer = Buffer.allocUnsafe(partLength);
    }
  };
  const endPart = () => {
    const number = partNumber;
    const md5Hex = md5.digest('hex');
    const checksum = crcBase64(crc);
    const previous = existing.get(number);
    if (previous) {
      const etagIsMd5 = /^[0-9a-f]{32}$/.test(previous.etag);
      if ((etagIsMd5 && previous.etag !== md5Hex) || (previous.crc32c && previous.crc32c !== checksum)) {
        throw new IntegrityError(`${file.path}: part ${number} already in S3 does not match the source (ETag ${previous.etag}, MD5 ${md5Hex})`);
      }
      completed.push({ PartNumber: number, ETag: previous.etag, ChecksumCRC32C: checksum });
      reused += previous.size;
      ctx.progress.skip(previous.size, false);
      return;
    }
    const body = buffer!;
    const release = held;
    buffer = undefined;
    const task = (async () => {
      await ctx.slots.acquire(1);
      try {
        const answer = await withRetry(
          () =>
            s3.send(
              new sdk.UploadPartCommand({
                Bucket: bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: number,
                Body: body,
                ContentLength: body.length,
                ContentMD5: Buffer.from(md5Hex, 'hex').toString('base64'),
                ChecksumCRC32C: checksum,
              }),
            ),
          { policy: ctx.retry, onRetry: (error, attempt, wait) => ctx.reporter.info(`${file.path} part ${number}: ${describeError(error)}; retrying in ${wait} ms (attempt ${attempt + 2})`) },
        );
        const etag = (answer.ETag ?? '').replace(/"/g, '');
        if (/^[0-9a-f]{32}$/.test(etag) && etag !== md5Hex) throw new IntegrityError(`${file.path}: S3 stored part ${number} with MD5 ${etag}, not ${md5Hex}`);
        if (answer.ChecksumCRC32C && answer.ChecksumCRC32C !== checksum) throw new IntegrityError(`${file.path}: S3 computed CRC32C ${answer.ChecksumCRC32C} for part ${number}, not ${checksum}`);
        completed.push({ PartNumber: number, ETag: answer.ETag!, ChecksumCRC32C: checksum });
        uploaded += body.length;
        ctx.progress.add(body.length, body.length);
      } finally {
        ctx.slots.release(1);
        ctx.budget.release(release);
      }
    })();
    task.catch((error: unknown) => {
      failure ??= error;
    });
    pending.push(task);
  };

  try {
    await beginPart();
    for await (const chunk of resilientChunks(ctx.source, file, 0, { policy: ctx.retry, onRetry: (m) => ctx.reporter.info(m) })) {
      if (failure) throw failure;
      if (ctx.failed) throw ctx.failed;
      hashes.sha256.update(chunk);
      hashes.sha1?.update(chunk);
      let pos = 0;
      while (pos < chunk.length) {
        const take = Math.min(chunk.length - pos, partLength - partBytes);
        const slice = chunk.subarray(pos, pos + take);
        md5.update(slice);
        crc = crc32c(slice, crc);
        if (buffer) buffer.set(slice, partBytes);
        partBytes += take;
        pos += take;
        if (partBytes === partLength) {
          endPart();
          partNumber++;
          if ((partNumber - 1) * partSize < file.size) await beginPart();
        }
      }
    }
    await Promise.all(pending);
    const sha256 = verify(file, hashes);
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await withRetry(
      () =>
        s3.send(
          new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: completed } }),
        ),
      { policy: ctx.retry },
    );
    ctx.openUploads.delete(key);
    ctx.progress.fileDone();
    return { path: file.path, size: file.size, sha256, action: reused > 0 ? 'resumed' : 'uploaded', bytesUploaded: uploaded };
  } catch (error) {
    if (buffer) ctx.budget.release(held);
    await Promise.allSettled(pending);
    if (error instanceof IntegrityError) {
      // bad bytes never become an object: drop this upload, the caller starts the file over
      await abortUpload(ctx, key, uploadId);
      ctx.openUploads.delete(key);
    }
    throw error;
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}${status ? ` (HTTP ${status})` : ''}: ${error.message}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
