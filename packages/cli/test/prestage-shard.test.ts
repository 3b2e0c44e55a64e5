import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { assignShards, parseStagedRecords, type ShardReceipt, type StageManifest } from '@ray-gitops/core';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { FakeHub, fileBytes, type FakeRepo } from '@ray-gitops/testkit/hf-server';
import { expectedPaths, generatedModel } from '@ray-gitops/testkit/model';
import { S3FaultProxy } from '@ray-gitops/testkit/s3-proxy';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const MiB = 1024 * 1024;
const BUCKET = 'shards';
const models = {
  1: generatedModel('acme/shard-one', [12, 9, 7, 5], { commit: 'a1'.repeat(20) }),
  2: generatedModel('acme/shard-two', [12, 9, 7, 5], { commit: 'a2'.repeat(20) }),
  4: generatedModel('acme/shard-four', [12, 9, 7, 5], { commit: 'a4'.repeat(20) }),
} as const;
const bundled = generatedModel('acme/shard-bundled', [6, 6], { commit: 'd1'.repeat(20) });
const partial = generatedModel('acme/shard-partial', [6, 6, 6], { commit: 'b1'.repeat(20) });
const catalogued = generatedModel('acme/shard-catalogued', [6, 6], { commit: 'e1'.repeat(20) });
const killed = generatedModel('acme/shard-killed', [40, 40, 40, 40], { commit: 'c1'.repeat(20) });
let rgw: Rgw;
let hub: FakeHub;
let direct: S3Client;
const proxies: S3FaultProxy[] = [];

beforeAll(async () => {
  rgw = await startRgw('cli-prestage-shard');
  direct = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
  await direct.send(new CreateBucketCommand({ Bucket: BUCKET }));
  hub = new FakeHub([...Object.values(models), partial, killed, bundled, catalogued]);
  await hub.start();
}, 600_000);

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await hub?.stop();
  await rgw?.stop();
}, 120_000);

/** A proxy of its own in front of the RGW for one process, so its requests can be told from the others'. */
async function proxy(): Promise<S3FaultProxy> {
  const p = new S3FaultProxy(rgw.endpoint);
  await p.start();
  proxies.push(p);
  return p;
}

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `ray-gitops <args>` as a child process whose S3 requests go through `via`. */
function cli(via: S3FaultProxy, ...args: string[]): Run {
  return spawnCli(via, ['--conditions', 'source', '--import', 'tsx', resolve(import.meta.dirname, 'cli-child.ts'), ...args]);
}

function spawnCli(via: S3FaultProxy, nodeArgs: string[]): Run {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: resolve(import.meta.dirname, '../../..'),
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_S3: via.endpoint,
      AWS_ACCESS_KEY_ID: rgw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      AWS_REGION: 'us-east-1',
      HF_ENDPOINT: hub.endpoint,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((ok) =>
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const prestage = (repo: FakeRepo, dest: string, ...more: string[]) => ['prestage', '--hf', repo.repo, '--dest', `s3://${BUCKET}/${dest}`, '--storage-class', '', '--json', ...more];

/** The model's files the stager selects, as the source lists them. */
const selected = (repo: FakeRepo) => repo.files.filter((f) => expectedPaths(repo).includes(f.path)).map((f) => ({ path: f.path, size: f.size }));
const totalOf = (repo: FakeRepo) => selected(repo).reduce((sum, f) => sum + f.size, 0);

/** Model objects (not receipts, not the manifest) a process PUT successfully, with their body bytes. */
function modelWrites(via: S3FaultProxy, repo: FakeRepo, from = 0): Map<string, number> {
  const prefix = `/${BUCKET}/`;
  const writes = new Map<string, number>();
  for (const op of via.ops.slice(from)) {
    if (op.method !== 'PUT' || op.status >= 300 || op.key.includes('/.shards/') || !op.key.includes(`/${repo.repo}/${repo.commit}/`)) continue;
    const path = op.key.slice(op.key.indexOf(`/${repo.commit}/`) + repo.commit.length + 2);
    expect(op.key.startsWith(prefix)).toBe(true);
    writes.set(path, (writes.get(path) ?? 0) + op.bodyBytes);
  }
  return writes;
}

async function exists(key: string): Promise<boolean> {
  try {
    await direct.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function getJson<T>(key: string): Promise<T> {
  return JSON.parse(await (await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString()) as T;
}

/** Every selected file is in S3 byte for byte, and nothing else is under the model prefix. */
async function expectByteIdentical(repo: FakeRepo, prefix: string): Promise<void> {
  const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  expect((listed.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort()).toEqual(expectedPaths(repo));
  for (const path of expectedPaths(repo)) {
    const file = repo.files.find((f) => f.path === path)!;
    const answer = await direct.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${path}` }));
    const hash = createHash('sha256');
    for await (const chunk of answer.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex'), path).toBe(createHash('sha256').update(fileBytes(file, 0, file.size)).digest('hex'));
  }
}

describe('prestage --shard K/N, then --finalize, against the Ceph RGW', () => {
  test('rejects a malformed shard and --shard with --finalize, before any request', async () => {
    const via = await proxy();
    for (const [args, message] of [
      [['--shard', '2/2'], '--shard must be K/N with N from 1 to 64 and K from 0 to N-1'],
      [['--shard', 'one/two'], "not 'one/two'"],
      [['--shard', '0/2', '--finalize'], 'not both'],
    ] as const) {
      const run = await cli(via, ...prestage(models[1], 'bad', ...args)).done;
      expect(run.code).toBe(2);
      // one line saying what is wrong, then the pointer to --help
      expect(run.stderr.trim().split('\n')).toHaveLength(2);
      expect(run.stderr.split('\n')[0]).toContain(message);
    }
    expect(via.ops).toHaveLength(0);
  }, 120_000);

  for (const n of [1, 2, 4] as const) {
    test(`${n} shard process(es) at once stage disjoint shares adding up to the model; finalize writes the manifest, twice safely`, async () => {
      const repo = models[n];
      const dest = `n${n}`;
      const modelPrefix = `${dest}/${repo.repo}/${repo.commit}/`;
      const manifestKey = `${dest}/.manifests/${repo.repo}/${repo.commit}.json`;
      const vias = await Promise.all(Array.from({ length: n }, () => proxy()));
      const runs = await Promise.all(vias.map((via, k) => cli(via, ...prestage(repo, dest, '--shard', `${k}/${n}`)).done));
      for (const run of runs) expect(run.code, run.stderr).toBe(0);

      // no manifest until finalize; one receipt per shard, outside the model prefix
      expect(await exists(manifestKey)).toBe(false);
      const receipts = await Promise.all(runs.map((_, k) => getJson<ShardReceipt>(`${dest}/.shards/${repo.repo}/${repo.commit}/${k}-of-${n}.json`)));
      expect(receipts.map((r) => r.shard)).toEqual(runs.map((_, k) => ({ index: k, count: n })));

      // what each process actually sent: disjoint files, adding up to the model, byte for byte
      const writes = vias.map((via) => modelWrites(via, repo));
      const paths = writes.flatMap((w) => [...w.keys()]);
      expect(new Set(paths).size).toBe(paths.length);
      expect(paths.sort()).toEqual(expectedPaths(repo));
      expect(writes.reduce((sum, w) => sum + [...w.values()].reduce((a, b) => a + b, 0), 0)).toBe(totalOf(repo));
      // and each shard sent exactly the share it reports
      runs.forEach((run, k) => {
        const record = JSON.parse(run.stdout) as { shard: string; bytesUploaded: number; files: { path: string }[] };
        expect(record.shard).toBe(`${k}/${n}`);
        expect(record.files.map((f) => f.path).sort()).toEqual([...writes[k]!.keys()].sort());
        expect(record.bytesUploaded).toBe([...writes[k]!.values()].reduce((a, b) => a + b, 0));
      });
      // balanced: no shard holds more than its fair share plus one file
      const largest = Math.max(...selected(repo).map((f) => f.size));
      for (const w of writes) expect([...w.values()].reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(totalOf(repo) / n + largest);

      const finalizer = await proxy();
      const first = await cli(finalizer, ...prestage(repo, dest, '--finalize')).done;
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ uri: `s3://${BUCKET}/${modelPrefix}`, commit: repo.commit, format: 'huggingface', alreadyFinalized: false });
      expect(modelWrites(finalizer, repo).size).toBe(0);
      const manifest = await getJson<StageManifest>(manifestKey);
      expect(manifest.files.map((f) => f.path)).toEqual(expectedPaths(repo));
      expect(manifest.totalBytes).toBe(totalOf(repo));
      await expectByteIdentical(repo, modelPrefix);

      const before = finalizer.ops.length;
      const second = await cli(finalizer, ...prestage(repo, dest, '--finalize')).done;
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({ alreadyFinalized: true });
      expect(finalizer.writes(before)).toHaveLength(0);
    }, 300_000);
  }

  test('--model on a catalog entry staged in the cluster: records where the Job stages it and copies nothing; with --shard and --finalize it stages and finishes', async () => {
    const catalog = await tempDir('prestage-shard-catalog-');
    try {
      const entry = ['name: catalogued', 'source:', `  huggingface: { repo: ${catalogued.repo} }`, 'serving:', '  maxModelLen: 4096', '  gpu: { type: L4, count: 1 }', 'staging: { where: cluster, shards: 2 }', ''];
      await writeFile(join(catalog, 'catalogued.yaml'), entry.join('\n'));
      const byModel = (...more: string[]) => ['prestage', '--model', 'catalogued', '--catalog', catalog, '--dest', `s3://${BUCKET}/catalog`, '--storage-class', '', ...more];
      const uri = `s3://${BUCKET}/catalog/${catalogued.repo}/${catalogued.commit}/`;

      const planned = await proxy();
      const recorded = await cli(planned, ...byModel()).done;
      expect(recorded.code, recorded.stderr).toBe(0);
      expect(recorded.stdout).toBe(`catalogued ${uri}\n`);
      expect(recorded.stderr).toContain('catalogued: staged in-cluster by 2 pod(s)');
      expect(planned.writes(0)).toHaveLength(0);

      const shards = await Promise.all(['0/2', '1/2'].map(async (shard) => cli(await proxy(), ...byModel('--shard', shard, '--json')).done));
      for (const run of shards) expect(run.code, run.stderr).toBe(0);
      // a shard's report is no staged record: render would refuse it rather than serve half a model
      expect(() => parseStagedRecords(shards[0]!.stdout)).toThrow(/unknown field "shard"/);
      const finalized = await cli(await proxy(), ...byModel('--finalize', '--json')).done;
      expect(finalized.code, finalized.stderr).toBe(0);
      // finalize's report is what render --staged reads, for this catalog entry
      expect(parseStagedRecords(finalized.stdout)).toEqual([expect.objectContaining({ model: 'catalogued', uri, commit: catalogued.commit, format: 'huggingface' })]);
      await expectByteIdentical(catalogued, `catalog/${catalogued.repo}/${catalogued.commit}/`);
    } finally {
      await rm(catalog, { recursive: true, force: true });
    }
  }, 300_000);

  test('finalize refuses while an object is missing, naming it and its shard; a re-run shard then lets it finish', async () => {
    const dest = 'partial';
    const repo = partial;
    const manifestKey = `${dest}/.manifests/${repo.repo}/${repo.commit}.json`;
    const via = await proxy();
    expect((await cli(via, ...prestage(repo, dest, '--shard', '0/2')).done).code).toBe(0);
    const shardOne = assignShards(selected(repo), 2)[1]!.map((f) => f.path);

    const refused = await cli(via, ...prestage(repo, dest, '--finalize')).done;
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n').filter((line) => line.startsWith('error') || line.includes('cannot finalize'))).toHaveLength(1);
    expect(refused.stderr).toContain(`cannot finalize s3://${BUCKET}/${dest}/${repo.repo}/${repo.commit}/: ${shardOne.length} of ${expectedPaths(repo).length} object(s) missing`);
    expect(refused.stderr).toContain(`${[...shardOne].sort()[0]} (missing, shard 1/2)`);
    expect(refused.stderr).toContain('re-run shard(s) 1/2');
    expect(await exists(manifestKey)).toBe(false);

    expect((await cli(via, ...prestage(repo, dest, '--shard', '1/2')).done).code).toBe(0);
    expect((await cli(via, ...prestage(repo, dest, '--finalize')).done).code).toBe(0);
    expect(await exists(manifestKey)).toBe(true);

    // an object deleted after finalize: finalize refuses again (the old manifest stays, it is not rewritten),
    // the owning shard's re-run restores it alone, and finalize passes
    const victim = shardOne[0]!;
    await direct.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${dest}/${repo.repo}/${repo.commit}/${victim}` }));
    const again = await cli(via, ...prestage(repo, dest, '--finalize')).done;
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${victim} (missing, shard 1/2)`);
    const from = via.ops.length;
    expect((await cli(via, ...prestage(repo, dest, '--shard', '1/2')).done).code).toBe(0);
    expect([...modelWrites(via, repo, from).keys()]).toEqual([victim]);
    const last = await cli(via, ...prestage(repo, dest, '--finalize')).done;
    expect(last.code, last.stderr).toBe(0);
    await expectByteIdentical(repo, `${dest}/${repo.repo}/${repo.commit}/`);
  }, 300_000);

  test('a shard killed with kill -9 and re-run finishes without re-sending what it had completed', async () => {
    const dest = 'killed';
    const repo = killed;
    const share = assignShards(selected(repo), 2)[0]!;
    const shareBytes = share.reduce((sum, f) => sum + f.size, 0);
    const first = await proxy();
    // one part in flight, so files go one after another: killed after one large file completed and two parts of the next
    const run = cli(first, ...prestage(repo, dest, '--shard', '0/2', '--concurrency', '1'));
    await new Promise<void>((ok, fail) => {
      const timer = setInterval(() => {
        const completedAt = first.ops.findIndex((op) => op.method === 'POST' && op.query.includes('uploadId') && op.status < 300);
        if (completedAt >= 0 && first.ops.slice(completedAt).filter((op) => op.method === 'PUT' && op.query.includes('partNumber') && op.status < 300).length >= 2) {
          clearInterval(timer);
          run.child.kill('SIGKILL');
          ok();
        }
      }, 20);
      void run.done.then(({ signal, code, stderr }) => {
        clearInterval(timer);
        if (signal !== 'SIGKILL') fail(new Error(`the shard ended before it was killed (code ${code}): ${stderr}`));
      });
    });
    expect((await run.done).signal).toBe('SIGKILL');
    await new Promise((ok) => setTimeout(ok, 300));
    const firstBytes = first.bytesWritten();
    // objects the killed shard had completed
    const listed = await direct.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${dest}/${repo.repo}/${repo.commit}/` }));
    const completed = (listed.Contents ?? []).map((o) => o.Key!.slice(`${dest}/${repo.repo}/${repo.commit}/`.length));
    expect(completed.length).toBeGreaterThan(0);
    expect(await exists(`${dest}/.shards/${repo.repo}/${repo.commit}/0-of-2.json`)).toBe(false);

    const second = await proxy();
    const rerun = await cli(second, ...prestage(repo, dest, '--shard', '0/2', '--concurrency', '1')).done;
    expect(rerun.code, rerun.stderr).toBe(0);
    const resentWrites = modelWrites(second, repo);
    for (const path of completed) expect(resentWrites.has(path), `${path} was complete before the re-run`).toBe(false);
    const secondBytes = second.bytesWritten();
    const resent = firstBytes + secondBytes - shareBytes;
    expect(resent).toBeLessThan(firstBytes * 0.1);
    const record = JSON.parse(rerun.stdout) as { bytesSkipped: number; files: { path: string; action: string }[] };
    expect(record.bytesSkipped).toBeGreaterThan(0);
    // the file cut off midway continues its open multipart upload
    expect(record.files.some((f) => f.action === 'resumed')).toBe(true);
    for (const path of completed) expect(record.files.find((f) => f.path === path)?.action).toBe('skipped');

    expect((await cli(second, ...prestage(repo, dest, '--shard', '1/2')).done).code).toBe(0);
    const done = await cli(second, ...prestage(repo, dest, '--finalize')).done;
    expect(done.code, done.stderr).toBe(0);
    await expectByteIdentical(repo, `${dest}/${repo.repo}/${repo.commit}/`);
    console.log(`shard kill -9: first run sent ${(firstBytes / MiB).toFixed(1)} MiB, re-run ${(secondBytes / MiB).toFixed(1)} MiB, re-sent ${(resent / MiB).toFixed(1)} MiB of the shard's ${(shareBytes / MiB).toFixed(1)} MiB`);
  }, 300_000);

  test("the stager image's entry point (docker/stager/bundle.mjs's one-file CLI) stages both shards and finalizes", async () => {
    const outdir = await tempDir('stager-bundle-');
    try {
      await promisify(execFile)(process.execPath, [resolve(import.meta.dirname, '../../../docker/stager/bundle.mjs'), outdir]);
      const bundle = join(outdir, 'ray-gitops.mjs');
      const via = await proxy();
      const shards = await Promise.all(['0/2', '1/2'].map((shard) => spawnCli(via, [bundle, ...prestage(bundled, 'bundled', '--shard', shard)]).done));
      for (const run of shards) expect(run.code, run.stderr).toBe(0);
      const done = await spawnCli(via, [bundle, ...prestage(bundled, 'bundled', '--finalize')]).done;
      expect(done.code, done.stderr).toBe(0);
      await expectByteIdentical(bundled, `bundled/${bundled.repo}/${bundled.commit}/`);
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  }, 300_000);
});
