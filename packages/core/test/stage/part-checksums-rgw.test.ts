// Which checksum protects a part: CRC32C where the store checks it, else the signed sha256 payload hash
// where the store checks that (Ceph RGW keeps a wrong x-amz-checksum-crc32c, refuses a wrong
// x-amz-content-sha256), Content-MD5 only where it checks neither. Found out once per endpoint with a probe object; a
// part damaged on the way is refused by whichever the store checks, sent again, and stored intact.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { resolveLocalDir, stageModel, type Reporter } from '@ray-gitops/core';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { fileBytes } from '@ray-gitops/testkit/hf-server';
import { expectedPaths, generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import { S3FaultProxy, type S3Op } from '@ray-gitops/testkit/s3-proxy';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUCKET = 'checksums';
const MiB = 1024 * 1024;
const model = generatedModel('local/checksummed', [12]);
let rgw: Rgw;
let direct: S3Client;
let modelDir: string;
const proxies: S3FaultProxy[] = [];

function recordingReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), error: (m) => lines.push(`error: ${m}`), group: (_t, w) => w(), secret: () => undefined };
}

async function proxyFor(options: { checkCrc32c: boolean }): Promise<S3FaultProxy> {
  const proxy = new S3FaultProxy(rgw.endpoint);
  proxy.faults.checkCrc32c = options.checkCrc32c;
  await proxy.start();
  proxies.push(proxy);
  return proxy;
}

function client(endpoint: string): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
}

/** Damages the body of the first upload of part 2 only: the retry goes through intact. */
function damageFirstPart2(proxy: S3FaultProxy): void {
  let left = 1;
  proxy.faults.corruptBody = (req, url) => req.method === 'PUT' && url.searchParams.get('partNumber') === '2' && left-- > 0;
}

async function expectIntact(s3Uri: string): Promise<void> {
  const prefix = s3Uri.replace(`s3://${BUCKET}/`, '');
  for (const path of expectedPaths(model)) {
    const file = model.files.find((f) => f.path === path)!;
    const answer = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${file.path}` }));
    const stored = createHash('sha256').update(Buffer.from(await answer.Body!.transformToByteArray())).digest('hex');
    expect(stored, file.path).toBe(createHash('sha256').update(fileBytes(file, 0, file.size)).digest('hex'));
  }
}

const modelWrites = (ops: S3Op[], dest: string) => ops.filter((op) => op.method === 'PUT' && op.key.startsWith(`/${BUCKET}/${dest}/`) && !op.key.includes('/.manifests/') && !op.key.endsWith('.checksum-probe'));

beforeAll(async () => {
  rgw = await startRgw('part-checksums');
  direct = client(rgw.endpoint);
  await direct.send(new CreateBucketCommand({ Bucket: BUCKET }));
  modelDir = join(await tempDir('part-checksums-'), 'model');
  await writeModelDir(modelDir, model);
}, 120_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  await rgw?.stop();
}, 120_000);

describe('part checksums', () => {
  it('on Ceph RGW, which keeps a wrong CRC32C, signs each part with its sha256 (no MD5), and a damaged part is refused and sent again', async () => {
    const proxy = await proxyFor({ checkCrc32c: false });
    damageFirstPart2(proxy);
    const reporter = recordingReporter();
    const s3 = client(proxy.endpoint);
    const result = await stageModel({ source: await resolveLocalDir(modelDir), dest: `s3://${BUCKET}/signed`, s3, storageClass: '', partSize: 5 * MiB, reporter });

    expect(reporter.lines.join('\n')).toContain('does not check CRC32C checksums; every part is signed with its sha256 instead');
    // the probe: a PutObject with a wrong CRC32C that RGW accepted, deleted again, then one with a wrong
    // payload sha256 that RGW refused
    const probe = proxy.ops.filter((op) => op.key.endsWith('.checksum-probe'));
    expect(probe.map((op) => [op.method, op.status < 300])).toEqual([['PUT', true], ['DELETE', true], ['PUT', false]]);
    const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'signed/' }));
    expect((listed.Contents ?? []).filter((o) => o.Key!.endsWith('.checksum-probe'))).toEqual([]);

    const writes = modelWrites(proxy.ops, 'signed');
    expect(writes.filter((op) => op.query.includes('partNumber')).length).toBeGreaterThanOrEqual(3);
    expect(writes.every((op) => !op.crc32c && !op.unsignedPayload)).toBe(true);
    // parts carry no MD5 (the pass it saves is the point); a single-part file keeps it, so its ETag is checked
    expect(writes.filter((op) => op.query.includes('partNumber')).every((op) => !op.contentMd5)).toBe(true);
    expect(writes.filter((op) => !op.query.includes('partNumber')).every((op) => op.contentMd5)).toBe(true);
    // RGW refused the damaged part by its signed sha256 (XAmzContentSHA256Mismatch); the retry stored the right bytes
    expect(proxy.injected.corrupted).toBe(1);
    expect(writes.filter((op) => op.status === 400).map((op) => op.query.includes('partNumber'))).toEqual([true]);
    await expectIntact(result.s3Uri);

    // the answer is remembered for the endpoint: a second model through the same store sends no probe
    const from = proxy.ops.length;
    await stageModel({ source: await resolveLocalDir(modelDir), dest: `s3://${BUCKET}/signed-again`, s3, storageClass: '', partSize: 5 * MiB });
    expect(proxy.ops.slice(from).filter((op) => op.key.endsWith('.checksum-probe'))).toEqual([]);
    expect(modelWrites(proxy.ops.slice(from), 'signed-again').every((op) => !op.crc32c && !op.unsignedPayload)).toBe(true);
  }, 120_000);

  it('on a store that checks CRC32C, sends CRC32C and no MD5, and a damaged part is refused by its CRC32C', async () => {
    const proxy = await proxyFor({ checkCrc32c: true });
    damageFirstPart2(proxy);
    const reporter = recordingReporter();
    const result = await stageModel({ source: await resolveLocalDir(modelDir), dest: `s3://${BUCKET}/crc`, s3: client(proxy.endpoint), storageClass: '', partSize: 5 * MiB, reporter });

    expect(reporter.lines.join('\n')).not.toContain('does not check CRC32C');
    // the probe was refused: nothing was stored, nothing to delete
    expect(proxy.ops.filter((op) => op.key.endsWith('.checksum-probe')).map((op) => [op.method, op.status])).toEqual([['PUT', 400]]);
    const writes = modelWrites(proxy.ops, 'crc');
    expect(writes.every((op) => op.crc32c && !op.contentMd5 && op.unsignedPayload)).toBe(true);
    expect(proxy.injected.corrupted).toBe(1);
    expect(writes.filter((op) => op.status === 400).map((op) => op.query.includes('partNumber'))).toEqual([true]);
    await expectIntact(result.s3Uri);
  }, 120_000);
});
