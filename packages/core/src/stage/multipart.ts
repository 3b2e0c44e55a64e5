import { createHash, type Hash } from 'node:crypto';
import type { CompletedPart } from '@aws-sdk/client-s3';
import type { StageContext } from './context.js';
import { Crc32c } from './crc32c.js';
import { IntegrityError } from './errors.js';
import { formatBytes } from './format.js';
import type { PartBuffer } from './part-buffers.js';
import { resilientChunks } from './read.js';
import { describeCall, s3Call, signalOption } from './s3-call.js';
import { describeError, isNotFound, isUnsupported, withPayloadHash } from './s3-requests.js';
import { objectMetadata, SourceHashes } from './source-hashes.js';
import { storedChecksums } from './staged-object.js';
import type { SourceFile, StagedFile } from './types.js';

const MiB = 1024 * 1024;
/** S3's limits: parts of 5 MiB..5 GiB, at most 10,000 of them; we stay under 9,000 for headroom. */
const MIN_PART = 5 * MiB;
const MAX_PARTS = 9_000;

/** Part size for a file: at least `minimum` (and 5 MiB), whole MiB, few enough parts for S3. */
export function partSizeFor(size: number, minimum: number): number {
  const floor = Math.max(MIN_PART, minimum);
  return Math.max(floor, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

interface ExistingPart {
  readonly etag: string;
  readonly size: number;
  readonly crc32c?: string;
}

const isMd5Hex = (etag: string) => /^[0-9a-f]{32}$/.test(etag);

/**
 * The newest open multipart upload of `key` with its usable parts, aborting older ones. A server
 * without the listing calls (s3rver) has nothing to resume: the file starts over.
 */
async function findOpenUpload(
  ctx: StageContext,
  key: string,
  fileSize: number,
): Promise<{ uploadId: string; parts: Map<number, ExistingPart> } | undefined> {
  const { s3, sdk, bucket, partSize } = ctx;
  let uploads: { Key?: string; UploadId?: string; Initiated?: Date }[];
  try {
    const listed = await s3Call(ctx, describeCall(ctx, 'ListMultipartUploads', key), (abortSignal) =>
      s3.send(new sdk.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }), signalOption(abortSignal)),
    );
    uploads = (listed.Uploads ?? []).filter((u) => u.Key === key && u.UploadId);
  } catch (error) {
    if (isUnsupported(error)) return undefined;
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
    const page = await s3Call(ctx, describeCall(ctx, 'ListParts', key), (abortSignal) => s3.send(new sdk.ListPartsCommand(request), signalOption(abortSignal)));
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

/** Aborts an upload; one already gone is fine. */
async function abortUpload(ctx: StageContext, key: string, uploadId: string): Promise<void> {
  const abort = (abortSignal: AbortSignal | undefined) =>
    ctx.s3.send(new ctx.sdk.AbortMultipartUploadCommand({ Bucket: ctx.bucket, Key: key, UploadId: uploadId }), signalOption(abortSignal));
  await s3Call(ctx, describeCall(ctx, 'AbortMultipartUpload', key), abort).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

/** After a failed run: aborts what this run left open, warning (not failing) where S3 refuses. */
export async function abortOpenUploads(ctx: StageContext): Promise<void> {
  for (const [key, uploadId] of ctx.openUploads) {
    try {
      await abortUpload(ctx, key, uploadId);
    } catch (error) {
      ctx.reporter.warning(`could not abort the multipart upload of s3://${ctx.bucket}/${key} (${describeError(error)}); the next run continues or aborts it, and a bucket lifecycle rule for incomplete uploads removes it otherwise`);
    }
  }
  ctx.openUploads.clear();
}

async function openUpload(ctx: StageContext, file: SourceFile, key: string): Promise<{ uploadId: string; existing: Map<number, ExistingPart> }> {
  const open = await findOpenUpload(ctx, key, file.size);
  if (open) {
    const reusable = [...open.parts.values()].reduce((sum, p) => sum + p.size, 0);
    ctx.reporter.info(`${file.path}: continuing an open multipart upload with ${open.parts.size} part(s), ${formatBytes(reusable)} already in S3`);
    return { uploadId: open.uploadId, existing: open.parts };
  }
  const created = await s3Call(ctx, describeCall(ctx, 'CreateMultipartUpload', key), (abortSignal) =>
    ctx.s3.send(
      new ctx.sdk.CreateMultipartUploadCommand({
        Bucket: ctx.bucket,
        Key: key,
        ...(ctx.checksums.crc32c ? { ChecksumAlgorithm: 'CRC32C' as const } : {}),
        Metadata: objectMetadata(file),
        ...(ctx.storageClass ? { StorageClass: ctx.storageClass as never } : {}),
      }),
      signalOption(abortSignal),
    ),
  );
  return { uploadId: created.UploadId!, existing: new Map() };
}

/**
 * A multipart upload fed by one sequential read of the source. Parts already uploaded by an earlier
 * run are re-read (the file's sha256 covers every byte) but not re-sent: their MD5 must equal the
 * part's ETag.
 */
export async function putMultipart(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
  const { s3, sdk, bucket, partSize } = ctx;
  const { uploadId, existing } = await openUpload(ctx, file, key);
  ctx.openUploads.set(key, uploadId);

  const hashes = new SourceHashes(file);
  const completed: CompletedPart[] = [];
  const pending: Promise<void>[] = [];
  let failure: unknown;
  let uploaded = 0;
  let reused = 0;
  let partNumber = 1;
  let partBytes = 0;
  let partLength = 0;
  let part: PartBuffer | undefined;
  const { checksums } = ctx;
  let md5: Hash | undefined;
  let partSha256: Hash | undefined;
  let crc: Crc32c | undefined;

  const beginPart = async () => {
    partLength = Math.min(partSize, file.size - (partNumber - 1) * partSize);
    partBytes = 0;
    // a part an earlier run left is vouched for by its ETag, the MD5 of its bytes, where no CRC32C is kept
    md5 = checksums.md5 || (existing.has(partNumber) && !checksums.crc32c) ? createHash('md5') : undefined;
    partSha256 = checksums.sha256 && !existing.has(partNumber) ? createHash('sha256') : undefined;
    crc = checksums.crc32c ? await Crc32c.create() : undefined;
    if (!existing.has(partNumber)) part = await ctx.buffers.acquire(partLength);
  };
  const uploadPart = async (number: number, lent: PartBuffer, md5Hex?: string, checksum?: string, sha256Hex?: string) => {
    const body = lent.bytes;
    await ctx.slots.acquire(1);
    try {
      const answer = await s3Call(ctx, `${describeCall(ctx, 'UploadPart', key)} part ${number}`, (abortSignal) =>
        s3.send(
          withPayloadHash(
            new sdk.UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: number,
              Body: body,
              ContentLength: body.length,
              ...(md5Hex ? { ContentMD5: Buffer.from(md5Hex, 'hex').toString('base64') } : {}),
              ...(checksum ? { ChecksumCRC32C: checksum } : {}),
            }),
            sha256Hex,
          ),
          signalOption(abortSignal),
        ),
      );
      const etag = (answer.ETag ?? '').replace(/"/g, '');
      if (md5Hex && isMd5Hex(etag) && etag !== md5Hex) throw new IntegrityError(`${file.path}: S3 stored part ${number} with MD5 ${etag}, not ${md5Hex}`);
      if (checksum && answer.ChecksumCRC32C && answer.ChecksumCRC32C !== checksum) throw new IntegrityError(`${file.path}: S3 computed CRC32C ${answer.ChecksumCRC32C} for part ${number}, not ${checksum}`);
      completed.push({ PartNumber: number, ETag: answer.ETag!, ...(checksum ? { ChecksumCRC32C: checksum } : {}) });
      uploaded += body.length;
      ctx.progress.add(body.length, body.length);
    } finally {
      ctx.slots.release(1);
      lent.release();
    }
  };
  const endPart = () => {
    const number = partNumber;
    const md5Hex = md5?.digest('hex');
    const checksum = crc?.base64();
    const previous = existing.get(number);
    if (previous) {
      // a part of an earlier run is kept only when a checksum of this run's bytes vouches for it
      const md5Known = md5Hex !== undefined && isMd5Hex(previous.etag);
      const crcKnown = checksum !== undefined && previous.crc32c !== undefined;
      const vouched = (md5Known && previous.etag === md5Hex) || (crcKnown && previous.crc32c === checksum);
      const contradicted = (md5Known && previous.etag !== md5Hex) || (crcKnown && previous.crc32c !== checksum);
      if (!vouched || contradicted) {
        throw new IntegrityError(`${file.path}: part ${number} already in S3 does not match the source (ETag ${previous.etag}${md5Hex ? `, MD5 ${md5Hex}` : ''}${checksum ? `, CRC32C ${checksum}` : ''})`);
      }
      completed.push({ PartNumber: number, ETag: previous.etag, ...(checksum ? { ChecksumCRC32C: checksum } : {}) });
      reused += previous.size;
      ctx.progress.skip(previous.size, false);
      return;
    }
    const task = uploadPart(number, part!, md5Hex, checksum, partSha256?.digest('hex'));
    part = undefined;
    task.catch((error: unknown) => {
      failure ??= error;
    });
    pending.push(task);
  };

  try {
    await beginPart();
    const reading = { policy: ctx.retry, stallWindowMs: ctx.timeoutMs, onRetry: (m: string) => ctx.reporter.info(m) };
    for await (const chunk of resilientChunks(ctx.source, file, 0, reading)) {
      if (failure) throw failure;
      if (ctx.failed) throw ctx.failed;
      hashes.update(chunk);
      let pos = 0;
      while (pos < chunk.length) {
        const take = Math.min(chunk.length - pos, partLength - partBytes);
        const slice = chunk.subarray(pos, pos + take);
        md5?.update(slice);
        partSha256?.update(slice);
        crc?.update(slice);
        part?.bytes.set(slice, partBytes);
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
    const sha256 = hashes.verify();
    completed.sort((a, b) => a.PartNumber! - b.PartNumber!);
    const done = await s3Call(ctx, describeCall(ctx, 'CompleteMultipartUpload', key), (abortSignal) =>
      s3.send(
        new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: completed } }),
        signalOption(abortSignal),
      ),
    );
    ctx.openUploads.delete(key);
    ctx.progress.fileDone();
    ctx.distrusted.delete(key);
    return { path: file.path, size: file.size, sha256, action: reused > 0 ? 'resumed' : 'uploaded', bytesUploaded: uploaded, ...storedChecksums(done.ETag, undefined) };
  } catch (error) {
    part?.release();
    await Promise.allSettled(pending);
    if (error instanceof IntegrityError) {
      // bad bytes never become an object: drop this upload, the caller starts the file over
      await abortUpload(ctx, key, uploadId);
      ctx.openUploads.delete(key);
    }
    throw error;
  }
}
