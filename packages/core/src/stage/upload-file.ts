import { createHash } from 'node:crypto';
import type { StageContext } from './context.js';
import { Crc32c } from './crc32c.js';
import { IntegrityError } from './errors.js';
import { putMultipart } from './multipart.js';
import { resilientChunks } from './read.js';
import { describeCall, s3Call, signalOption } from './s3-call.js';
import { withPayloadHash } from './s3-requests.js';
import { objectMetadata, SourceHashes } from './source-hashes.js';
import { headStaged, readBackSha256, storedChecksums } from './staged-object.js';
import type { SourceFile, StagedFile } from './types.js';

/** Stages one file; one whose bytes did not match the source's checksum is staged once more from scratch. */
export async function stageFileWithRetry(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stageFile(ctx, file, key);
    } catch (error) {
      if (!(error instanceof IntegrityError) || attempt >= 3 || ctx.failed) throw error;
      // whatever is stored under the key now is suspect, whatever its metadata says
      ctx.distrusted.add(key);
      ctx.reporter.warning(`${error.message}; staging ${file.path} again (attempt ${attempt + 1} of 3)`);
    }
  }
}

async function stageFile(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
  // an object already there, with the checksum we expect, is kept
  const head = await headStaged(ctx, key);
  const stored = head?.Metadata ?? {};
  if (head && !ctx.distrusted.has(key) && head.ContentLength === file.size && stored.sha256 && (file.sha256 ? stored.sha256 === file.sha256 : file.gitSha1 ? stored['git-sha1'] === file.gitSha1 : false)) {
    // metadata can be copied onto other bytes: a recheck reads the object back before keeping it
    if (!ctx.readBack || (await readBackSha256(ctx, key)) === stored.sha256) {
      ctx.progress.skip(file.size, true);
      return { path: file.path, size: file.size, sha256: stored.sha256, action: 'skipped', bytesUploaded: 0, ...storedChecksums(head.ETag, head.ChecksumCRC32C) };
    }
    ctx.reporter.warning(`${file.path}: the bytes in s3://${ctx.bucket}/${key} do not hash to the sha256 its metadata claims; staging it again`);
  }
  return file.size <= ctx.partSize ? putSmall(ctx, file, key) : putMultipart(ctx, file, key);
}

/** One PutObject for a file that fits in one part; the bytes are checked before they are sent. */
async function putSmall(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
  const part = await ctx.buffers.acquire(file.size);
  try {
    const body = part.bytes;
    const hashes = new SourceHashes(file);
    let fill = 0;
    const reading = { policy: ctx.retry, stallWindowMs: ctx.timeoutMs, onRetry: (m: string) => ctx.reporter.info(m) };
    for await (const chunk of resilientChunks(ctx.source, file, 0, reading)) {
      if (ctx.failed) throw ctx.failed;
      body.set(chunk, fill);
      fill += chunk.length;
      hashes.update(chunk);
    }
    const sha256 = hashes.verify();
    // a small file gets Content-MD5 wherever no CRC32C is checked, even beside a signed sha256: one part
    // is cheap to hash twice, and the ETag the store answers (the MD5 of what it kept) is then checked too
    const md5 = ctx.checksums.crc32c ? undefined : createHash('md5').update(body).digest('base64');
    const checksum = ctx.checksums.crc32c ? (await Crc32c.create()).update(body).base64() : undefined;
    await ctx.slots.acquire(1);
    let stored: { ETag?: string; ChecksumCRC32C?: string };
    try {
      const answer = await s3Call(ctx, describeCall(ctx, 'PutObject', key), (abortSignal) =>
        ctx.s3.send(
          withPayloadHash(
            new ctx.sdk.PutObjectCommand({
              Bucket: ctx.bucket,
              Key: key,
              Body: body,
              ContentLength: file.size,
              ...(md5 ? { ContentMD5: md5 } : {}),
              ...(checksum ? { ChecksumCRC32C: checksum } : {}),
              Metadata: objectMetadata(file, sha256),
              ...(ctx.storageClass ? { StorageClass: ctx.storageClass as never } : {}),
            }),
            // one part is the whole file: its sha256 is the one just checked against the source
            ctx.checksums.sha256 ? sha256 : undefined,
          ),
          signalOption(abortSignal),
        ),
      );
      // a single-part object's ETag is the MD5 of its bytes, as a multipart part's is
      const etag = (answer.ETag ?? '').replace(/"/g, '');
      const md5Hex = md5 ? Buffer.from(md5, 'base64').toString('hex') : undefined;
      const mismatch = md5Hex && /^[0-9a-f]{32}$/.test(etag) && etag !== md5Hex
        ? `S3 stored the object with MD5 ${etag}, not ${md5Hex}`
        : checksum && answer.ChecksumCRC32C && answer.ChecksumCRC32C !== checksum
          ? `S3 computed CRC32C ${answer.ChecksumCRC32C}, not ${checksum}`
          : undefined;
      if (mismatch) {
        // bad bytes must not stay under the key with metadata that vouches for them
        await s3Call(ctx, describeCall(ctx, 'DeleteObject', key), (abortSignal) =>
          ctx.s3.send(new ctx.sdk.DeleteObjectCommand({ Bucket: ctx.bucket, Key: key }), signalOption(abortSignal)),
        ).catch(() => undefined);
        throw new IntegrityError(`${file.path}: ${mismatch}`);
      }
      stored = answer;
    } finally {
      ctx.slots.release(1);
    }
    ctx.progress.add(file.size, file.size);
    ctx.progress.fileDone();
    ctx.distrusted.delete(key);
    return { path: file.path, size: file.size, sha256, action: 'uploaded', bytesUploaded: file.size, ...storedChecksums(stored.ETag, stored.ChecksumCRC32C) };
  } finally {
    part.release();
  }
}
