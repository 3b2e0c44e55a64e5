import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  createStageS3Client,
  IntegrityError,
  resolveHuggingFace,
  resolveLocalDir,
  resolveTarUrl,
  SourceAccessError,
  stageModel,
  type Reporter,
  type StageManifest,
} from '@ray-gitops/core';
import { FakeHub, fileBytes, TEST_TOKEN, type FakeRepo } from '@ray-gitops/testkit/hf-server';
import { expectedPaths, generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import type { S3FaultProxy } from '@ray-gitops/testkit/s3-proxy';
import { startStagingBench, type StagingBench } from '@ray-gitops/testkit/staging-bench';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BUCKET = 'models';
const MiB = 1024 * 1024;
let bench: StagingBench;
let proxy: S3FaultProxy;
let direct: S3Client;
let hub: FakeHub;
const big = generatedModel('acme/big-llm', [100, 100, 60]);
const tiny = generatedModel('acme/tiny-llm', [12, 9], { commit: 'a1'.repeat(20) });
const gated = generatedModel('acme/gated-llm', [7], { gated: true, commit: 'b2'.repeat(20) });
const killed = generatedModel('acme/killed-llm', [90, 90], { commit: 'd4'.repeat(20) });
const corrupt = generatedModel('acme/corrupt-llm', [8], { commit: 'e5'.repeat(20) });

function recordingReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warning: (m) => lines.push(`warning: ${m}`), error: (m) => lines.push(`error: ${m}`), group: (_t, w) => w(), secret: () => undefined };
}

async function openUploads(prefix = ''): Promise<number> {
  const listed = await direct.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: prefix }));
  return listed.Uploads?.length ?? 0;
}

async function objectSha256(key: string): Promise<string> {
  const answer = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of answer.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

/** Every staged object is byte-identical to the source: same size, same sha256, sha256 in its metadata. */
async function expectStaged(repo: FakeRepo, prefix: string, paths = expectedPaths(repo)): Promise<void> {
  const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  expect((listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort()).toEqual(paths);
  for (const path of expectedPaths(repo)) {
    const file = repo.files.find((f) => f.path === path)!;
    const want = createHash('sha256').update(fileBytes(file, 0, file.size)).digest('hex');
    expect(await objectSha256(`${prefix}${path}`)).toBe(want);
    const head = await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}${path}` }));
    expect(head.Metadata?.sha256).toBe(want);
  }
}

beforeAll(async () => {
  ({ proxy, direct, hub } = bench = await startStagingBench('stage', BUCKET, [big, tiny, gated, killed, corrupt]));
}, 600_000);

afterAll(() => bench?.stop(), 120_000);

describe('stageModel against the Ceph RADOS Gateway', () => {
  it('stages a Hugging Face model byte-identical, one weight format, manifest last', async () => {
    const reporter = recordingReporter();
    const source = await resolveHuggingFace('acme/tiny-llm', 'main');
    const from = proxy.ops.length;
    const result = await stageModel({ source, dest: `s3://${BUCKET}/hf`, storageClass: '', partSize: 5 * MiB, reporter });
    const prefix = `hf/acme/tiny-llm/${tiny.commit}/`;
    expect(result.s3Uri).toBe(`s3://${BUCKET}/${prefix}`);
    expect(result.manifestUri).toBe(`s3://${BUCKET}/hf/.manifests/acme/tiny-llm/${tiny.commit}.json`);
    await expectStaged(tiny, prefix);
    const writes = proxy.writes(from);
    expect(writes.at(-1)!.key).toBe(`/${BUCKET}/hf/.manifests/acme/tiny-llm/${tiny.commit}.json`);
    const manifest = JSON.parse(await (await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: `hf/.manifests/acme/tiny-llm/${tiny.commit}.json` }))).Body!.transformToString()) as StageManifest;
    expect(manifest.source.commit).toBe(tiny.commit);
    expect(manifest.files.map((f) => f.path)).toEqual(expectedPaths(tiny));
    expect(manifest.tool.name).toBe('ray-gitops');
    expect(result.bytesUploaded).toBe(result.totalBytes);
    expect(hub.stats.authOnCdn).toBe(0);
    expect(await openUploads()).toBe(0);
  }, 120_000);

  it('only reads the manifest and HEADs each object it lists on a second run of a staged model', async () => {
    const source = await resolveHuggingFace('acme/tiny-llm', 'main');
    const from = proxy.ops.length;
    const started = Date.now();
    const result = await stageModel({ source, dest: `s3://${BUCKET}/hf`, storageClass: '' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(result.alreadyStaged).toBe(true);
    expect(result.bytesUploaded).toBe(0);
    expect(proxy.writes(from)).toEqual([]);
    expect(proxy.ops.slice(from).map((op) => op.method)).toEqual(['GET', ...result.files.map(() => 'HEAD')]);
  }, 60_000);

  it('stages byte-identical objects through 5% S3 errors, 2% connection resets and HF 429s, leaving no open uploads', async () => {
    Object.assign(proxy.faults, { errorRate: 0.05, resetRate: 0.02 });
    Object.assign(hub.faults, { rate429: 0.1, resetRate: 0.1, truncateRate: 0.05 });
    try {
      const source = await resolveHuggingFace('acme/big-llm', 'main', { retry: { attempts: 12, baseMs: 5, maxMs: 200 } });
      const result = await stageModel({ source, dest: `s3://${BUCKET}/faults`, storageClass: '', partSize: 8 * MiB, retry: { attempts: 12, baseMs: 5, maxMs: 200 }, progressIntervalMs: 0 });
      expect(result.totalBytes).toBeGreaterThan(250 * MiB);
    } finally {
      Object.assign(proxy.faults, { errorRate: 0, resetRate: 0 });
      Object.assign(hub.faults, { rate429: 0, resetRate: 0, truncateRate: 0 });
    }
    expect(proxy.injected.errors).toBeGreaterThan(0);
    expect(proxy.injected.resets).toBeGreaterThan(0);
    expect(hub.stats.throttled).toBeGreaterThan(0);
    await expectStaged(big, `faults/acme/big-llm/${big.commit}/`);
    expect(await openUploads()).toBe(0);
  }, 300_000);

  it('resumes after kill -9 and re-sends under 10% of what was already uploaded', async () => {
    const dest = `s3://${BUCKET}/killed`;
    const from = proxy.ops.length;
    const child = spawn(process.execPath, ['--conditions', 'source', '--import', 'tsx', resolve(import.meta.dirname, 'stage-child.ts')], {
      cwd: resolve(import.meta.dirname, '../../../..'),
      env: { ...process.env, STAGE_CHILD: JSON.stringify({ repo: 'acme/killed-llm', dest, partSize: 5 * MiB, concurrency: 4 }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const total = killed.files.filter((f) => expectedPaths(killed).includes(f.path)).reduce((s, f) => s + f.size, 0);
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        if (proxy.bytesWritten(from) > total * 0.5) {
          clearInterval(timer);
          child.kill('SIGKILL');
          ok();
        }
      }, 20);
      child.on('exit', (code, signal) => {
        clearInterval(timer);
        if (signal !== 'SIGKILL') fail(new Error(`the child ended before it was killed (code ${code}): ${stderr}`));
      });
    });
    await new Promise((ok) => setTimeout(ok, 300));
    const firstRun = proxy.bytesWritten(from);
    expect(await openUploads('killed/')).toBeGreaterThan(0);

    const second = proxy.ops.length;
    const source = await resolveHuggingFace('acme/killed-llm', 'main');
    const result = await stageModel({ source, dest, storageClass: '', partSize: 5 * MiB, concurrency: 4 });
    const secondRun = proxy.bytesWritten(second);
    const resent = firstRun + secondRun - total;
    await expectStaged(killed, `killed/acme/killed-llm/${killed.commit}/`);
    expect(result.bytesSkipped).toBeGreaterThan(0);
    expect(result.files.some((f) => f.action === 'resumed')).toBe(true);
    expect(resent).toBeLessThan(firstRun * 0.1);
    expect(await openUploads()).toBe(0);
    console.log(`kill -9 resume: first run uploaded ${(firstRun / MiB).toFixed(1)} MiB, second run ${(secondRun / MiB).toFixed(1)} MiB, re-sent ${(resent / MiB).toFixed(1)} MiB of ${(total / MiB).toFixed(1)} MiB`);
  }, 300_000);

  it('stages a gated model when HF_TOKEN is set, and never prints the token', async () => {
    await expect(resolveHuggingFace('acme/gated-llm', 'main')).rejects.toThrow(SourceAccessError);
    await expect(resolveHuggingFace('acme/gated-llm', 'main')).rejects.toThrow(/gated.*HF_TOKEN/);
    const reporter = recordingReporter();
    Object.assign(hub.faults, { rate429: 0.2 });
    try {
      const source = await resolveHuggingFace('acme/gated-llm', 'main', { token: TEST_TOKEN, retry: { attempts: 12, baseMs: 5, maxMs: 100 }, onRetry: (m) => reporter.info(m) });
      await stageModel({ source, dest: `s3://${BUCKET}/gated`, storageClass: '', reporter, progressIntervalMs: 10 });
    } finally {
      hub.faults.rate429 = 0;
    }
    await expectStaged(gated, `gated/acme/gated-llm/${gated.commit}/`);
    expect(hub.stats.authOnCdn).toBe(0);
    expect(reporter.lines.join('\n')).not.toContain(TEST_TOKEN);
  }, 120_000);

  it('restages a file whose bytes do not match the published sha256, and fails cleanly when they never do', async () => {
    const shard = corrupt.files.find((f) => f.path.startsWith('model-'))!;
    shard.corruptTimes = 1;
    const reporter = recordingReporter();
    let source = await resolveHuggingFace('acme/corrupt-llm', 'main');
    await stageModel({ source, dest: `s3://${BUCKET}/corrupt`, storageClass: '', partSize: 5 * MiB, reporter });
    expect(reporter.lines.some((l) => /sha256 .* does not match/.test(l))).toBe(true);
    await expectStaged(corrupt, `corrupt/acme/corrupt-llm/${corrupt.commit}/`);

    shard.corruptTimes = 10;
    source = await resolveHuggingFace('acme/corrupt-llm', 'main');
    await expect(stageModel({ source, dest: `s3://${BUCKET}/corrupt-again`, storageClass: '', partSize: 5 * MiB })).rejects.toThrow(IntegrityError);
    shard.corruptTimes = 0;
    expect(await openUploads('corrupt-again/')).toBe(0);
    const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'corrupt-again/.manifests/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 120_000);

  it('aborts its multipart uploads when S3 refuses a part for good', async () => {
    proxy.faults.deny = (req, url) => req.method === 'PUT' && url.searchParams.get('partNumber') === '2';
    try {
      const source = await resolveHuggingFace('acme/big-llm', 'main');
      await expect(stageModel({ source, dest: `s3://${BUCKET}/denied`, storageClass: '', partSize: 8 * MiB, retry: { attempts: 3, baseMs: 5, maxMs: 20 } })).rejects.toThrow(/AccessDenied|Access Denied/);
    } finally {
      delete proxy.faults.deny;
    }
    expect(await openUploads('denied/')).toBe(0);
  }, 120_000);

  it('stream-extracts a .tar URL into S3 by byte ranges, checking the archive sha256', async () => {
    const dir = await tempDir('stage-tar-');
    const mistral = generatedModel('mistral/tarball', [11]);
    const server = createServer((req, res) => {
      void readFile(join(dir, 'model.tar')).then((bytes) => {
        const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
        if (!range) {
          res.writeHead(200, { 'content-length': String(bytes.length) });
          res.end(bytes);
          return;
        }
        const [first, last] = [Number(range[1]), Number(range[2])];
        res.writeHead(206, { 'content-range': `bytes ${first}-${last}/${bytes.length}`, 'content-length': String(last - first + 1) });
        res.end(bytes.subarray(first, last + 1));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      await writeModelDir(join(dir, 'mistral-7b'), mistral);
      const longName = `${'very-long-directory-name-'.repeat(5)}/tokenizer.json`;
      await mkdir(join(dir, 'mistral-7b', dirname(longName)), { recursive: true });
      await writeFile(join(dir, 'mistral-7b', longName), 'long name');
      await run('tar', ['--format=pax', '-cf', join(dir, 'model.tar'), '-C', dir, 'mistral-7b']);
      const sha256 = createHash('sha256').update(await readFile(join(dir, 'model.tar'))).digest('hex');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases/mistral-7b.tar`;
      await expect(resolveTarUrl(url, { sha256: '0'.repeat(64) })).rejects.toThrow(IntegrityError);
      const source = await resolveTarUrl(url, { sha256 });
      expect(source.commit).toBe(`sha256-${sha256.slice(0, 32)}`);
      expect(source.files.map((f) => f.path)).toContain(longName);
      const result = await stageModel({ source, dest: `s3://${BUCKET}/tars`, storageClass: '', partSize: 5 * MiB });
      const prefix = `tars/url/mistral-7b/${source.commit}/`;
      expect(result.s3Uri).toBe(`s3://${BUCKET}/${prefix}`);
      const staged = [...expectedPaths(mistral), longName].sort();
      expect(result.files.map((f) => f.path)).toEqual(staged);
      await expectStaged(mistral, prefix, staged);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('stages a local directory under a content hash and skips it on a re-run', async () => {
    const dir = await tempDir('stage-dir-');
    try {
      await writeModelDir(join(dir, 'my-finetune'), tiny);
      const source = await resolveLocalDir(join(dir, 'my-finetune'));
      expect(source.org).toBe('local');
      expect(source.commit).toMatch(/^sha256-[0-9a-f]{32}$/);
      const s3 = await createStageS3Client();
      const first = await stageModel({ source, dest: `s3://${BUCKET}/dirs`, s3, storageClass: '' });
      await expectStaged(tiny, `dirs/local/my-finetune/${source.commit}/`);
      expect(first.bytesUploaded).toBe(first.totalBytes);
      const again = await stageModel({ source: await resolveLocalDir(join(dir, 'my-finetune')), dest: `s3://${BUCKET}/dirs`, s3, storageClass: '' });
      expect(again.alreadyStaged).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
