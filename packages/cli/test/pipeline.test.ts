import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { FakeHub } from '../../core/test/stage/hf-server.js';
import { expectedPaths, generatedModel } from '../../core/test/stage/model.js';
import { EMBEDDED_S3_CREDENTIALS, EMBEDDED_S3_REGION, startEmbeddedS3 } from '../src/pipeline/embedded-s3.js';
import { sampleModelFiles } from '../src/pipeline/sample-model.js';

const BUCKET = 'ray-gitops-local';
const savedEnv = { ...process.env };
let temp: string;
/** docker/ with its base image pinned by digest: the repository's is not pinned yet, and an unpinned base image is a build error */
let pinnedContext: string;

/** A loopback port nothing listens on: any attempt to reach the Hub there fails at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function contextWithBaseImage(baseImage: string): Promise<string> {
  const dir = await mkdtemp(join(temp, 'docker-'));
  await cp('docker', dir, { recursive: true });
  const versions = JSON.parse(await readFile(join(dir, 'versions.json'), 'utf8')) as Record<string, string>;
  await writeFile(join(dir, 'versions.json'), `${JSON.stringify({ ...versions, baseImage }, null, 2)}\n`);
  return dir;
}

/** Reads the bucket the pipeline left behind, through the real S3 client, with s3rver on the same data directory. */
async function withBucket<T>(stateDir: string, read: (s3: S3Client) => Promise<T>): Promise<T> {
  const embedded = await startEmbeddedS3({ dataDir: join(stateDir, 's3'), bucket: BUCKET });
  const s3 = new S3Client({ region: EMBEDDED_S3_REGION, endpoint: embedded.endpoint, forcePathStyle: true, credentials: EMBEDDED_S3_CREDENTIALS });
  try {
    return await read(s3);
  } finally {
    s3.destroy();
    await embedded.stop();
  }
}

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'pipeline-'));
  const versions = JSON.parse(await readFile('docker/versions.json', 'utf8')) as { baseImage: string };
  pinnedContext = await contextWithBaseImage(`${versions.baseImage.replace(/@sha256:.*$/, '')}@sha256:${'a'.repeat(64)}`);
});

beforeEach(async () => {
  // no AWS account and no Hub: the pipeline must need neither
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_') || name.startsWith('HF_')) delete process.env[name];
  process.env.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
  // an empty schema cache: what the run checks must not depend on this machine's ~/.cache
  process.env.RAY_GITOPS_CACHE_DIR = join(temp, 'empty-schema-cache');
});

afterAll(async () => {
  process.env = savedEnv;
  await rm(temp, { recursive: true, force: true });
});

describe('ray-gitops pipeline', () => {
  test('stages the sample model into the embedded bucket, plans the image, renders and validates, offline; a second run changes nothing', async () => {
    const state = join(temp, 'state');
    const out = join(temp, 'out', 'gitops');
    const first = await runCli('pipeline', '--state', state, '--out', out, '--context', pinnedContext);
    expect(first.stderr).toContain('== [4/7] stage');
    expect(first.code).toBe(0);

    const summary = first.stdout.trimEnd().split('\n');
    expect(summary.length).toBeLessThanOrEqual(20);
    expect(summary[0]).toMatch(/^ray-gitops pipeline: ✅ ready in \d+\.\d s$/);
    const plan = JSON.parse(await readFile(join(state, 'build-plan.json'), 'utf8')) as { tag: string; startBuild: { projectName: string } };
    expect(plan.tag).toMatch(/^ctx-[0-9a-f]{32}$/);
    expect(plan.startBuild.projectName).toBe('ray-vllm-image');
    expect(first.stdout).toContain(`ray-vllm:${plan.tag} planned, not built (no AWS call)`);
    const uri = /^model +(s3:\/\/\S+)$/m.exec(first.stdout)?.[1];
    expect(uri).toMatch(new RegExp(`^s3://${BUCKET}/models/local/tiny-llm/sha256-[0-9a-f]{32}/$`));
    expect(first.stdout).toMatch(/8 files, [\d.]+ MiB: 8 uploaded \([\d.]+ MiB\), 0 skipped; sha256 verified 8\/8/);
    expect(first.stdout).toMatch(/^validate +passed: /m);
    expect(first.stdout).toMatch(/\d+ resources of \d+ kinds not schema-checked offline \(the schema cache lacks them\): Application ×\d+, ApplicationSet, ResourceGraphDefinition/);
    expect(first.stdout).not.toContain(EMBEDDED_S3_CREDENTIALS.secretAccessKey);
    expect(first.stderr).not.toContain(EMBEDDED_S3_CREDENTIALS.secretAccessKey);
    // the run's endpoint and credentials do not outlive it
    expect(Object.keys(process.env).filter((name) => name.startsWith('AWS_'))).toEqual([]);

    // the sample entry is rendered from its staged prefix, with the placeholder image
    const instance = await readFile(join(out, 'workloads', 'sample-tiny-llm', 'instance.yaml'), 'utf8');
    expect(instance).toContain(`source: ${uri}`);
    expect(instance).toContain(`manifest: s3://${BUCKET}/models/.manifests/local/tiny-llm/`);
    expect(await readFile(join(out, 'platform', 'llm-service.rgd.yaml'), 'utf8')).toMatch(new RegExp(`localhost/ray-vllm:${plan.tag}@sha256:[0-9a-f]{64}`));
    const prefix = uri!.slice(`s3://${BUCKET}/`.length);
    await withBucket(state, async (s3) => {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
      const files = sampleModelFiles();
      expect((listed.Contents ?? []).map((object) => object.Key!.slice(prefix.length)).sort()).toEqual(files.map((file) => file.path).sort());
      for (const file of files) {
        const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${prefix}${file.path}` }));
        expect(Buffer.from(await object.Body!.transformToByteArray()).equals(file.content)).toBe(true);
      }
      const manifestKey = `models/.manifests/local/tiny-llm/${prefix.split('/').at(-2)}.json`;
      expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: manifestKey }))).ContentLength).toBeGreaterThan(0);
    });

    // with the upstream CRDs every kind is schema-checked; nothing is uploaded or rendered again
    const second = await runCli('pipeline', '--state', state, '--out', out, '--context', pinnedContext, '--crds', '../shared/crds', '--json');
    expect(second.code).toBe(0);
    const result = JSON.parse(second.stdout) as {
      staged: { uri: string; alreadyStaged: boolean; bytesUploaded: number; sha256Verified: number };
      render: { changes: unknown[]; unchanged: number };
      validation: { ok: boolean; skipped: number; unchecked: unknown[]; invalid: number };
    };
    expect(result.staged).toMatchObject({ uri, alreadyStaged: true, bytesUploaded: 0, sha256Verified: 8 });
    expect(result.render.changes).toEqual([]);
    expect(result.render.unchanged).toBeGreaterThan(0);
    expect(result.validation).toMatchObject({ ok: true, skipped: 0, unchecked: [], invalid: 0 });
    const third = await runCli('pipeline', '--state', state, '--out', out, '--context', pinnedContext);
    expect(third.stdout).toMatch(/already staged: 8 files, [\d.]+ MiB, nothing uploaded; sha256 verified 8\/8/);
    expect(third.stdout).toMatch(/: 0 written, 0 deleted, \d+ unchanged/);

    // the schema cache does what --crds does, without the flag
    process.env.RAY_GITOPS_CACHE_DIR = join(temp, 'filled-schema-cache');
    expect((await runCli('schemas', 'import', '../shared/crds')).code).toBe(0);
    const fourth = await runCli('pipeline', '--state', state, '--out', out, '--context', pinnedContext, '--json');
    expect((JSON.parse(fourth.stdout) as typeof result).validation).toMatchObject({ ok: true, skipped: 0, unchecked: [], invalid: 0 });
  }, 90_000);

  test('writes the same sample model on every run: valid safetensors headers, deterministic bytes', () => {
    const files = sampleModelFiles();
    expect(files.map((file) => createHash('sha256').update(file.content).digest('hex'))).toEqual(
      sampleModelFiles().map((file) => createHash('sha256').update(file.content).digest('hex')),
    );
    const index = JSON.parse(files.find((file) => file.path === 'model.safetensors.index.json')!.content.toString()) as { weight_map: Record<string, string> };
    for (const shard of files.filter((file) => file.path.endsWith('.safetensors'))) {
      const headerLength = Number(shard.content.readBigUInt64LE(0));
      const header = JSON.parse(shard.content.subarray(8, 8 + headerLength).toString()) as Record<string, { data_offsets?: [number, number] }>;
      const ends = Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, tensor]) => {
        expect(index.weight_map[name]).toBe(shard.path);
        return tensor.data_offsets![1];
      });
      expect((8 + headerLength) % 8).toBe(0);
      expect(8 + headerLength + Math.max(...ends)).toBe(shard.content.length);
      expect(shard.content.length).toBeGreaterThan(2 * 1024 * 1024);
    }
  });

  test('stages a small Hub repository with --sample-hf when the Hub is reachable', async () => {
    const model = generatedModel('acme/tiny-hub-llm', [1], { commit: 'c7'.repeat(20) });
    const hub = new FakeHub([model]);
    await hub.start();
    process.env.HF_ENDPOINT = hub.endpoint;
    try {
      const state = join(temp, 'state-hf');
      const { code, stdout } = await runCli('pipeline', '--state', state, '--context', pinnedContext, '--sample-hf', 'acme/tiny-hub-llm@main', '--json');
      expect(code).toBe(0);
      const result = JSON.parse(stdout) as { staged: { uri: string; files: unknown[] }; entry: { name: string } };
      expect(result.staged.uri).toBe(`s3://${BUCKET}/models/acme/tiny-hub-llm/${model.commit}/`);
      expect(result.staged.files).toHaveLength(expectedPaths(model).length);
      expect(result.entry.name).toBe('sample-tiny-hub-llm');
    } finally {
      await hub.stop();
    }
  }, 60_000);

  test("npm start's defaults finish green; an unpinned base image is named as what would stop a real build, not a failure", async () => {
    expect((await runCli('pipeline', '--state', join(temp, 'state-defaults'))).code).toBe(0);

    const unpinned = await runCli('pipeline', '--state', join(temp, 'state-unpinned'), '--context', await contextWithBaseImage('rayproject/ray-llm:2.52.0-py311-cu128'));
    expect(unpinned.code).toBe(0);
    expect(unpinned.stdout).toMatch(/^ray-gitops pipeline: ⚠️ ready in [\d.]+ s, with warnings: 1 image lint error\(s\) would stop a real build \(see image\)$/m);
    expect(unpinned.stdout).not.toContain('✅');
    expect(unpinned.stdout).toContain('1 lint error(s) a real build stops at, fix before deploying (listed above): image/base-not-pinned');
  }, 60_000);

  test('says which step failed and what to do', async () => {
    const missing = await runCli('pipeline', '--state', join(temp, 'state-missing'), '--catalog', join(temp, 'no-such-catalog'));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^ray-gitops pipeline: ❌ blocked in [\d.]+ s: step 'catalog check' failed/);
    expect(missing.stdout).toMatch(/what to do: .*--catalog/);


    const catalog = await mkdtemp(join(temp, 'catalog-'));
    const qwen = await readFile('gitops/models/qwen2-5-7b-instruct.yaml', 'utf8');
    await writeFile(join(catalog, 'sample-tiny-llm.yaml'), qwen.replace('name: qwen2-5-7b-instruct', 'name: sample-tiny-llm'));
    const clash = await runCli('pipeline', '--state', join(temp, 'state-clash'), '--catalog', catalog, '--context', pinnedContext);
    expect(clash.code).toBe(1);
    expect(clash.stdout).toContain("FAILED    step 'render': ");
    expect(clash.stdout).toContain("already has sample-tiny-llm.yaml, the name of the pipeline's sample entry; rename that entry");

    expect((await runCli('pipeline', '--bucket', 'Not_A_Bucket')).code).toBe(2);
  }, 60_000);
});

test("refuses --out inside the repository's gitops/: the sample model and placeholder image never reach the committed tree", async () => {
  const before = await readFile('gitops/workloads/qwen2-5-7b-instruct/instance.yaml', 'utf8');
  for (const out of ['gitops', './gitops/', 'gitops/workloads', join(process.cwd(), 'gitops')]) {
    const { code, stdout, stderr } = await runCli('pipeline', '--state', join(temp, 'refused'), '--out', out);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')[0]).toMatch(/--out .* is inside the committed .*gitops: the pipeline renders a sample model and a placeholder image, which must never be committed/);
  }
  expect(await readFile('gitops/workloads/qwen2-5-7b-instruct/instance.yaml', 'utf8')).toBe(before);
  // refused before anything started: no state directory was made
  await expect(readdir(join(temp, 'refused'))).rejects.toThrow(/ENOENT/);
});
