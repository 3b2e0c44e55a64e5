import { createHash } from 'node:crypto';
import type { StageContext } from './context.js';
import { crc32c, crc32cBase64 } from './crc32c.js';
import { IntegrityError } from './errors.js';
import { putMultipart } from './multipart.js';
import { resilientChunks } from './read.js';
import { withRetry } from './retry.js';
import { describeError, isNotFound, unsignedPayload } from './s3-requests.js';
import { objectMetadata, SourceHashes } from './source-hashes.js';
import type { SourceFile } from './types.js';

export type FileAction = 'uploaded' | 'resumed' | 'skipped';

export interface StagedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly action: FileAction;
  /** bytes this run sent to S3 for the file */
  readonly bytesUploaded: number;
}

/** Stages one file; one whose bytes did not match the source's checksum is staged once more from scratch. */
export async function stageFileWithRetry(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stageFile(ctx, file, key);
    } catch (error) {
      if (!(error instanceof IntegrityError) || attempt >= 3 || ctx.failed) throw error;
      ctx.reporter.warning(`${error.message}; staging ${file.path} again (attempt ${attempt + 1} of 3)`);
    }
  }
}

async function stageFile(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
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
  return file.size <= ctx.partSize ? putSmall(ctx, file, key) : putMultipart(ctx, file, key);
}

/** One PutObject for a file that fits in one part; the bytes are checked before they are sent. */
async function putSmall(ctx: StageContext, file: SourceFile, key: string): Promise<StagedFile> {
  const part = await ctx.buffers.acquire(file.size);
  try {
    const body = part.bytes;
    const hashes = new SourceHashes(file);
    let fill = 0;
    for await (const chunk of resilientChunks(ctx.source, file, 0, { policy: ctx.retry, onRetry: (m) => ctx.reporter.info(m) })) {
      if (ctx.failed) throw ctx.failed;
      body.set(chunk, fill);
      fill += chunk.length;
      hashes.update(chunk);
    }
    const sha256 = hashes.verify();
    const md5 = createHash('md5').update(body).digest('base64');
    const checksum = crc32cBase64(crc32c(body));
    await ctx.slots.acquire(1);
    try {
      await withRetry(
        () =>
          ctx.s3.send(
            unsignedPayload(
              new ctx.sdk.PutObjectCommand({
                Bucket: ctx.bucket,
                Key: key,
                Body: body,
                ContentLength: file.size,
                ContentMD5: md5,
                ChecksumCRC32C: checksum,
                Metadata: objectMetadata(file, sha256),
                ...(ctx.storageClass ? { StorageClass: ctx.storageClass as never } : {}),
              }),
            ),
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
    part.release();
  }
}
