import { crc32c, crc32cBase64 } from './crc32c.js';
import { describeCall, s3Call, signalOption, type S3Session } from './s3-call.js';

/**
 * What a part carries so the store refuses altered bytes: a CRC32C where the store checks the
 * `x-amz-checksum-crc32c` header (AWS S3 does), Content-MD5 where it does not (Ceph RGW stores the
 * header without checking it). Never both: each is a full pass over every byte.
 */
export interface PartChecksums {
  readonly crc32c: boolean;
  readonly md5: boolean;
}

const CRC32C_ONLY: PartChecksums = { crc32c: true, md5: false };
const MD5_ONLY: PartChecksums = { crc32c: false, md5: true };

/** per endpoint, for the life of the process: one probe per store, however many models a run stages */
const known = new Map<string, Promise<PartChecksums>>();

/** AWS S3 checks CRC32C headers: no probe, and never MD5 there. */
async function isAwsEndpoint(session: S3Session): Promise<{ aws: boolean; key: string }> {
  let endpoint: { hostname: string; port?: number; protocol: string } | undefined;
  try {
    endpoint = await session.s3.config.endpoint?.();
  } catch {
    endpoint = undefined;
  }
  if (!endpoint) return { aws: true, key: 'aws' };
  const host = endpoint.hostname.toLowerCase();
  const key = `${endpoint.protocol}//${host}:${endpoint.port ?? ''}`;
  return { aws: /(^|\.)amazonaws\.com(\.cn)?$/.test(host), key };
}

/** A store's answer to a checksum it computed differently: AWS says BadDigest, some stores InvalidRequest. */
function isChecksumRefusal(error: unknown): boolean {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'BadDigest' || e?.name === 'XAmzContentChecksumMismatch') return true;
  return e?.$metadata?.httpStatusCode === 400 && /checksum|crc32c|digest/i.test(`${e.name ?? ''} ${e.message ?? ''}`);
}

/**
 * Finds out, once per endpoint, whether the store checks CRC32C: a tiny PutObject whose
 * `x-amz-checksum-crc32c` is deliberately wrong must be refused. A store that keeps it anyway gets
 * Content-MD5 on every part instead (and the probe object is deleted again).
 */
export function partChecksumsFor(session: S3Session, probeKey: string): Promise<PartChecksums> {
  return isAwsEndpoint(session).then(({ aws, key }) => {
    if (aws) return CRC32C_ONLY;
    let answer = known.get(key);
    if (!answer) {
      answer = probe(session, probeKey);
      known.set(key, answer);
      // a probe that failed (a network error) is tried again by the next run, not remembered
      answer.catch(() => known.delete(key));
    }
    return answer;
  });
}

async function probe(session: S3Session, key: string): Promise<PartChecksums> {
  const body = Buffer.from('ray-gitops checksum probe: a store that checks CRC32C refuses this object\n');
  // eslint-disable-next-line no-bitwise -- one flipped bit: a CRC32C the body does not have
  const wrong = crc32cBase64(((await crc32c(body)) ^ 1) >>> 0);
  const refused = await s3Call(session, describeCall(session, 'PutObject (checksum probe)', key), async (abortSignal) => {
    try {
      const request = { Bucket: session.bucket, Key: key, Body: body, ContentLength: body.length, ChecksumCRC32C: wrong };
      const put = new session.sdk.PutObjectCommand(request);
      await session.s3.send(put, signalOption(abortSignal));
      return false;
    } catch (error) {
      if (isChecksumRefusal(error)) return true;
      throw error;
    }
  });
  if (refused) return CRC32C_ONLY;
  await s3Call(session, describeCall(session, 'DeleteObject', key), (abortSignal) =>
    session.s3.send(new session.sdk.DeleteObjectCommand({ Bucket: session.bucket, Key: key }), signalOption(abortSignal)),
  ).catch(() => session.reporter.warning(`could not delete the checksum probe s3://${session.bucket}/${key}; it holds no model bytes and is safe to delete`));
  session.reporter.info(`${session.where} does not check CRC32C checksums; every part carries Content-MD5 instead`);
  return MD5_ONLY;
}
