import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { resolveLocalDir, stageModel, StoreFullError } from '@ray-gitops/core';
import { generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMBEDDED_S3_CREDENTIALS, EMBEDDED_S3_REGION, startEmbeddedS3, type EmbeddedS3 } from '../src/pipeline/embedded-s3.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
let work: string;
let disk: string;
let mounted = false;

/** A real small disk: a 16 MiB tmpfs (as root, or through passwordless sudo as on CI runners). */
async function mountSmallDisk(dir: string): Promise<void> {
  const args = ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir];
  const asRoot = process.getuid?.() === 0;
  await run(asRoot ? 'mount' : 'sudo', asRoot ? args : ['-n', 'mount', ...args]).catch((error: Error) => {
    throw new Error(`this test needs a small real disk: mounting a 16 MiB tmpfs needs root or passwordless sudo (${error.message})`);
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'embedded-s3-full-'));
  disk = join(work, 'disk');
  await run('mkdir', ['-p', disk]);
  await mountSmallDisk(disk);
  mounted = true;
});

afterAll(async () => {
  if (mounted) await run(process.getuid?.() === 0 ? 'umount' : 'sudo', process.getuid?.() === 0 ? ['-l', disk] : ['-n', 'umount', '-l', disk]).catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the embedded s3rver bucket on a full disk', () => {
  test('staging more than fits is one clean error, the process lives on, and no orphan parts stay on disk', async () => {
    const model = join(work, 'model');
    // two 7 MiB shards in 5 MiB parts: a shard's parts and its completed object no longer fit on the 16 MiB disk
    await writeModelDir(model, generatedModel('local/too-big', [7, 7]));
    let s3: EmbeddedS3 | undefined;
    try {
      s3 = await startEmbeddedS3({ dataDir: disk, bucket: 'models' });
      const client = new S3Client({ region: EMBEDDED_S3_REGION, endpoint: s3.endpoint, forcePathStyle: true, credentials: EMBEDDED_S3_CREDENTIALS });
      const failure = await stageModel({ source: await resolveLocalDir(model), dest: 's3://models/staged', s3: client, storageClass: '', partSize: 5 * MiB, concurrency: 2 }).then(() => new Error('it did not fail'), (e: unknown) => e as Error,
      );
      expect(failure).toBeInstanceOf(StoreFullError);
      expect(failure.message).toMatch(/^(UploadPart|CompleteMultipartUpload|PutObject) s3:\/\/models\/staged\/local\/model\/\S+( part \d+)?: S3 at http:\/\/127\.0\.0\.1:\d+ is out of storage space \(InsufficientStorage, HTTP 507\); free space on the store and run again/);
      expect(failure.message).not.toContain('\n');
      // aborted uploads leave no parts behind, and the bucket still answers
      const uploads = await readdir(join(disk, 'models', '._S3rver_uploads')).catch(() => []);
      expect(uploads).toEqual([]);
      const alive = await fetch(`${s3.endpoint}/models?list-type=2`);
      expect(alive.status).toBeLessThan(500);
      await alive.body?.cancel();
    } finally {
      await s3?.stop();
    }
  }, 60_000);
});
