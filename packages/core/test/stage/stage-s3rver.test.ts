import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createStageS3Client, resolveHuggingFace, stageModel, type StageManifest } from '@ray-gitops/core';
import { FakeHub, fileBytes } from '@ray-gitops/testkit/hf-server';
import { expectedPaths, generatedModel } from '@ray-gitops/testkit/model';
import { S3FaultProxy } from '@ray-gitops/testkit/s3-proxy';
import { startS3rver, type EmbeddedS3 } from '@ray-gitops/testkit/s3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// s3rver, the embedded bucket of `npm start`, has no ListMultipartUploads, ListParts or
// AbortMultipartUpload: the stager must stage into it all the same, starting files over instead of resuming.
const BUCKET = 'models';
const MiB = 1024 * 1024;
const model = generatedModel('acme/small-llm', [11, 6], { commit: 'f6'.repeat(20) });
let s3rver: EmbeddedS3;
let proxy: S3FaultProxy;
let hub: FakeHub;
let direct: S3Client;

async function objectSha256(key: string): Promise<string> {
  const answer = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return createHash('sha256').update(await answer.Body!.transformToByteArray()).digest('hex');
}

async function expectStaged(prefix: string): Promise<void> {
  const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  expect((listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort()).toEqual(expectedPaths(model));
  for (const path of expectedPaths(model)) {
    const file = model.files.find((f) => f.path === path)!;
    const want = createHash('sha256').update(fileBytes(file, 0, file.size)).digest('hex');
    expect(await objectSha256(`${prefix}${path}`)).toBe(want);
    expect((await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}${path}` }))).Metadata?.sha256).toBe(want);
  }
}

beforeAll(async () => {
  s3rver = await startS3rver(BUCKET);
  proxy = new S3FaultProxy(s3rver.endpoint);
  await proxy.start();
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION = 'us-east-1';
  direct = new S3Client({ region: 'us-east-1', endpoint: s3rver.endpoint, forcePathStyle: true });
  hub = new FakeHub([model]);
  await hub.start();
  delete process.env.HF_TOKEN;
});

afterAll(async () => {
  await hub?.stop();
  await proxy?.stop();
  await s3rver?.stop();
});

describe('stageModel against s3rver', () => {
  it('stages a model in 5 MiB parts, writes the manifest last, and writes nothing on a second run', async () => {
    const s3 = await createStageS3Client({ endpoint: proxy.endpoint });
    const source = await resolveHuggingFace('acme/small-llm', 'main', { endpoint: hub.endpoint });
    const from = proxy.ops.length;
    const result = await stageModel({ source, dest: `s3://${BUCKET}/hf`, s3, storageClass: '', partSize: 5 * MiB });
    const prefix = `hf/acme/small-llm/${model.commit}/`;
    await expectStaged(prefix);
    expect(proxy.ops.slice(from).filter((op) => op.query.includes('partNumber')).length).toBeGreaterThanOrEqual(4);
    const manifestKey = `hf/.manifests/acme/small-llm/${model.commit}.json`;
    expect(proxy.writes(from).at(-1)!.key).toBe(`/${BUCKET}/${manifestKey}`);
    const stored = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: manifestKey }));
    const manifest = JSON.parse(await stored.Body!.transformToString()) as StageManifest;
    expect(manifest.files.map((f) => f.path)).toEqual(expectedPaths(model));
    expect(result.bytesUploaded).toBe(result.totalBytes);

    const again = proxy.ops.length;
    const second = await stageModel({ source, dest: `s3://${BUCKET}/hf`, s3, storageClass: '' });
    expect(second.alreadyStaged).toBe(true);
    expect(proxy.writes(again)).toEqual([]);
  });

  it('stages a model again from scratch after a run that failed midway, where it cannot list open uploads', async () => {
    const s3 = await createStageS3Client({ endpoint: proxy.endpoint });
    const source = await resolveHuggingFace('acme/small-llm', 'main', { endpoint: hub.endpoint });
    const dest = `s3://${BUCKET}/retried`;
    proxy.faults.deny = (req, url) => req.method === 'PUT' && url.searchParams.get('partNumber') === '2';
    try {
      await expect(stageModel({ source, dest, s3, storageClass: '', partSize: 5 * MiB, retry: { attempts: 2, baseMs: 5, maxMs: 10 } })).rejects.toThrow(/Access Denied|AccessDenied/);
    } finally {
      delete proxy.faults.deny;
    }
    const from = proxy.ops.length;
    const result = await stageModel({ source, dest, s3, storageClass: '', partSize: 5 * MiB });
    const shards = result.files.filter((f) => f.path.endsWith('.safetensors'));
    expect(shards.map((f) => [f.action, f.bytesUploaded])).toEqual(shards.map((f) => ['uploaded', f.size]));
    await expectStaged(`retried/acme/small-llm/${model.commit}/`);
    // one listing per multipart file: an unsupported call is not retried
    expect(proxy.ops.slice(from).filter((op) => op.method === 'GET' && op.query.includes('uploads'))).toHaveLength(shards.length);
  });
});
