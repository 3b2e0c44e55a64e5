import { createHash } from 'node:crypto';
import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { describeCall, s3Call, signalOption, type S3Session } from './s3-call.js';
import { isNotFound } from './s3-requests.js';

/** The object's size, metadata, ETag and (where the store keeps one) checksum; undefined when there is none. */
export async function headStaged(session: S3Session, key: string): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3Call(session, describeCall(session, 'HeadObject', key), (abortSignal) =>
      session.s3.send(new session.sdk.HeadObjectCommand({ Bucket: session.bucket, Key: key, ChecksumMode: 'ENABLED' }), signalOption(abortSignal)),
    );
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Reads an object back and hashes it: what a recheck trusts instead of the metadata. Undefined when it is gone. */
export async function readBackSha256(session: S3Session, key: string): Promise<string | undefined> {
  const operation = describeCall(session, 'GetObject', key);
  try {
    return await s3Call(session, operation, async (abortSignal) => {
      const answer = await session.s3.send(new session.sdk.GetObjectCommand({ Bucket: session.bucket, Key: key }), signalOption(abortSignal));
      const hash = createHash('sha256');
      // the client's socket timeout ends a body that goes silent
      for await (const chunk of answer.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
      return hash.digest('hex');
    });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** An S3 ETag without its quotes. */
export const bareEtag = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

/** The checksums worth keeping in the manifest: the ETag always, the CRC32C when S3 kept a full-object one. */
export function storedChecksums(etag: string | undefined, crc32c: string | undefined): { etag?: string; crc32c?: string } {
  const bare = bareEtag(etag);
  return { ...(bare ? { etag: bare } : {}), ...(crc32c && !crc32c.includes('-') ? { crc32c } : {}) };
}
