import { createHash } from 'node:crypto';
import { describeCall, s3Call, signalOption, type S3Session } from './s3-call.js';
import { withPayloadHash } from './s3-requests.js';

/**
 * What a part carries so the store refuses altered bytes: a CRC32C where the store checks the
 * `x-amz-checksum-crc32c` header (AWS S3 does); else the part's sha256 as the signed payload hash
 * (`x-amz-content-sha256`) where the store checks that (Ceph RGW does; sha256 runs at more than twice
 * MD5's speed on CPUs with SHA extensions); Content-MD5 only where the store checks neither. One of
 * them, never two: each is a full pass over every byte. Without the signed sha256 the body is sent as
 * UNSIGNED-PAYLOAD.
 */
export interface PartChecksums {
  readonly crc32c: boolean;
  readonly sha256: boolean;
  readonly md5: boolean;
}

const CRC32C_ONLY: PartChecksums = { crc32c: true, sha256: false, md5: false };
const SHA256_ONLY: PartChecksums = { crc32c: false, sha256: true, md5: false };
const MD5_ONLY: PartChecksums = { crc32c: false, sha256: false, md5: true };

export const PROBE_BODY = 'ray-gitops checksum probe: a store that checks CRC32C refuses this object\n';
/**
 * A CRC32C the probe body does not have: its own (0x52b0d4f6) with one bit flipped, written out so a
 * store that does not check CRC32C never costs the WebAssembly CRC32C (a unit test recomputes it).
 */
export const PROBE_WRONG_CRC32C = 'UrDU9w==';

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
  if (e?.name === 'BadDigest' || e?.name === 'XAmzContentChecksumMismatch' || e?.name === 'XAmzContentSHA256Mismatch') return true;
  return e?.$metadata?.httpStatusCode === 400 && /checksum|crc32c|digest/i.test(`${e.name ?? ''} ${e.message ?? ''}`);
}

/**
 * Finds out, once per endpoint, which part checksum the store checks: a tiny PutObject whose
 * `x-amz-checksum-crc32c` is deliberately wrong must be refused; if the store keeps it (the object is
 * deleted again), one whose signed payload sha256 is deliberately wrong must be refused; a store that
 * refuses neither gets Content-MD5 on every part.
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

/** Whether the store refuses `body` sent with one of its checksums deliberately wrong; what it kept is deleted. */
async function refusesWrong(session: S3Session, key: string, what: string, put: () => InstanceType<S3Session['sdk']['PutObjectCommand']>): Promise<boolean> {
  const refused = await s3Call(session, describeCall(session, `PutObject (checksum probe, ${what})`, key), async (abortSignal) => {
    try {
      await session.s3.send(put(), signalOption(abortSignal));
      return false;
    } catch (error) {
      if (isChecksumRefusal(error)) return true;
      throw error;
    }
  });
  if (!refused) {
    await s3Call(session, describeCall(session, 'DeleteObject', key), (abortSignal) =>
      session.s3.send(new session.sdk.DeleteObjectCommand({ Bucket: session.bucket, Key: key }), signalOption(abortSignal)),
    ).catch(() => session.reporter.warning(`could not delete the checksum probe s3://${session.bucket}/${key}; it holds no model bytes and is safe to delete`));
  }
  return refused;
}

async function probe(session: S3Session, key: string): Promise<PartChecksums> {
  const body = Buffer.from(PROBE_BODY);
  const request = { Bucket: session.bucket, Key: key, Body: body, ContentLength: body.length };
  if (await refusesWrong(session, key, 'CRC32C', () => new session.sdk.PutObjectCommand({ ...request, ChecksumCRC32C: PROBE_WRONG_CRC32C }))) return CRC32C_ONLY;
  // the sha256 of other bytes: a store that checks the signed payload hash answers XAmzContentSHA256Mismatch
  const wrongSha256 = createHash('sha256').update('not the probe body').digest('hex');
  if (await refusesWrong(session, key, 'sha256', () => withPayloadHash(new session.sdk.PutObjectCommand(request), wrongSha256))) {
    session.reporter.info(`${session.where} does not check CRC32C checksums; every part is signed with its sha256 instead`);
    return SHA256_ONLY;
  }
  session.reporter.info(`${session.where} checks neither CRC32C checksums nor signed payload hashes; every part carries Content-MD5 instead`);
  return MD5_ONLY;
}
