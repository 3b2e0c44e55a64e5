import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { bundleAction, REPO_ROOT, runAsRunner } from '@ray-gitops/testkit/action-runner';
import { startSilentServer } from '@ray-gitops/testkit/archives';
import { type Rgw, startRgw } from '@ray-gitops/testkit/ceph';
import { FakeHub } from '@ray-gitops/testkit/hf-server';
import { expectedPaths, generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import { tempDir } from '@ray-gitops/testkit/temp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseStagedRecords, renderCatalog } from '../../core/src/index.js';

const IMAGE = `123456789012.dkr.ecr.us-west-2.amazonaws.com/ray-vllm@sha256:${'ab'.repeat(32)}`;
const VERSIONS = join(REPO_ROOT, 'docker', 'versions.json');

let bundle: string;
let s3Env: Record<string, string>;

/** Runs the bundled action the way the runner would: INPUT_* variables (action.yml defaults included) and file commands. */
async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const result = await runAsRunner(bundle, { action: 'prestage-model', inputs: { 'storage-class': '', ...inputs }, env: { ...s3Env, ...env } });
  return { failed: result.exitCode !== 0, stdout: result.stdout, outputs: result.outputs, summary: result.summary };
}

let rgw: Rgw;
let s3: S3Client;
beforeAll(async () => {
  [rgw, bundle] = await Promise.all([startRgw('prestage-action'), bundleAction('prestage-model')]);
  // RGW rejects INTELLIGENT_TIERING, the default storage class, so runAction passes none
  s3Env = { AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, AWS_REGION: 'us-east-1' };
  s3 = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
  await s3.send(new CreateBucketCommand({ Bucket: 'action' }));
}, 600_000);

afterAll(async () => {
  await rgw?.stop();
}, 120_000);

describe('prestage-model action', () => {
  test('stages a local directory and sets the outputs and a per-file job summary', async () => {
    const dir = await tempDir('prestage-model-dir-');
    try {
      await writeModelDir(join(dir, 'finetune'), generatedModel('local/finetune', [6]));
      const first = await runAction({ dir: join(dir, 'finetune'), dest: 's3://action/models' });
      expect(first.failed).toBe(false);
      expect(first.outputs['s3-uri']).toMatch(/^s3:\/\/action\/models\/local\/finetune\/sha256-[0-9a-f]{32}\/$/);
      expect(first.outputs['manifest-uri']).toMatch(/^s3:\/\/action\/models\/\.manifests\/local\/finetune\/sha256-[0-9a-f]{32}\.json$/);
      expect(Number(first.outputs['bytes-uploaded'])).toBeGreaterThan(6 * 1024 * 1024);
      expect(JSON.parse(first.outputs.staged!)).toMatchObject({ uri: first.outputs['s3-uri'], format: 'huggingface' });
      expect(first.summary).toContain('| `model-00001-of-00001.safetensors` |');
      const second = await runAction({ dir: join(dir, 'finetune'), dest: 's3://action/models' });
      expect(second.outputs['bytes-uploaded']).toBe('0');
      expect(second.summary).toContain('Already staged');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('stages catalog models by name, all of them, or those the rendered tree awaits, into the staged map render-rgd takes', async () => {
    const first = generatedModel('acme/catalog-llm', [6], { commit: 'c7'.repeat(20) });
    const second = generatedModel('acme/other-llm', [6], { commit: 'd8'.repeat(20) });
    const hub = new FakeHub([first, second]);
    await hub.start();
    const catalog = await tempDir('prestage-model-catalog-');
    const entry = (name: string, source: string[]) =>
      writeFile(join(catalog, `${name}.yaml`), [`name: ${name}`, 'source:', ...source, 'serving:', '  maxModelLen: 4096', '  gpu: { type: L4, count: 1 }', ''].join('\n'));
    try {
      await entry('catalog-llm', ['  huggingface:', '    repo: acme/catalog-llm', '    revision: main']);
      await entry('other-llm', ['  huggingface:', '    repo: acme/other-llm', '    revision: main']);
      await entry('in-s3-llm', ['  s3:', '    uri: s3://action/elsewhere/in-s3-llm/']);
      const env = { HF_ENDPOINT: hub.endpoint };

      const one = await runAction({ model: 'catalog-llm', catalog, dest: 's3://action/catalog' }, env);
      expect(one.failed).toBe(false);
      expect(one.outputs['s3-uri']).toBe(`s3://action/catalog/acme/catalog-llm/${first.commit}/`);
      expect(one.outputs.commit).toBe(first.commit);
      expect(JSON.parse(one.outputs.staged!)).toEqual({
        'catalog-llm': expect.objectContaining({ uri: one.outputs['s3-uri'], commit: first.commit }),
      });
      expect(one.summary).toContain('| `model-00001-of-00001.safetensors` |');

      const all = await runAction({ model: 'all', catalog, dest: 's3://action/catalog' }, env);
      expect(all.failed).toBe(false);
      expect(Object.keys(JSON.parse(all.outputs.staged!)).sort()).toEqual(['catalog-llm', 'other-llm']);
      expect(all.outputs['s3-uri']).toBe('');
      // catalog-llm was complete: one manifest read; only other-llm's bytes went up
      const selected = new Set(expectedPaths(second));
      expect(Number(all.outputs['bytes-uploaded'])).toBe(second.files.filter((file) => selected.has(file.path)).reduce((sum, file) => sum + file.size, 0));
      expect(all.stdout).toContain('in-s3-llm: its weights already live in S3');

      // pending: what the rendered tree records no staged weights for
      const out = join(catalog, '..', `${basename(catalog)}-out`);
      await mkdir(out);
      await writeFile(join(out, 'render-settings.yaml'), 'repoURL: https://github.com/example-org/gitops.git\n');
      const rendered = await renderCatalog({ catalogDir: catalog, outDir: out, image: IMAGE, staged: parseStagedRecords(all.outputs.staged!, 'staged'), versionsFile: VERSIONS });
      expect(rendered.ok).toBe(true);
      const nothing = await runAction({ model: 'pending', catalog, out, dest: 's3://action/catalog' }, env);
      expect(nothing).toMatchObject({ failed: false, outputs: { 'staged': '{}', 'bytes-uploaded': '0' } });
      await entry('third-llm', ['  huggingface:', '    repo: acme/catalog-llm', '    revision: main']);
      const third = await runAction({ model: 'pending', catalog, out, dest: 's3://action/catalog' }, env);
      expect(Object.keys(JSON.parse(third.outputs.staged!))).toEqual(['third-llm']);

      const missing = await runAction({ model: 'catalog-llm, no-such-llm', catalog, dest: 's3://action/catalog' }, env);
      expect(missing.failed).toBe(true);
      expect(missing.stdout).toContain('no-such-llm.yaml');
      expect(Object.keys(JSON.parse(missing.outputs.staged!))).toEqual(['catalog-llm']);
    } finally {
      await hub.stop();
      await rm(catalog, { recursive: true, force: true });
      await rm(`${catalog}-out`, { recursive: true, force: true });
    }
  }, 180_000);

  test('a catalog model staged in the cluster: the runner copies nothing and records where the Job will stage it; shard and finalize inputs stage and finish it', async () => {
    const model = generatedModel('acme/cluster-llm', [6, 6], { commit: 'e9'.repeat(20) });
    const hub = new FakeHub([model]);
    await hub.start();
    const catalog = await tempDir('prestage-model-cluster-');
    try {
      await writeFile(
        join(catalog, 'cluster-llm.yaml'),
        ['name: cluster-llm', 'source:', '  huggingface: { repo: acme/cluster-llm }', 'serving:', '  maxModelLen: 4096', '  gpu: { type: L4, count: 1 }', 'staging: { where: cluster, shards: 2 }', ''].join('\n'),
      );
      const env = { HF_ENDPOINT: hub.endpoint };
      const uri = `s3://action/cluster/acme/cluster-llm/${model.commit}/`;
      const planned = await runAction({ model: 'cluster-llm', catalog, dest: 's3://action/cluster' }, env);
      expect(planned.failed).toBe(false);
      expect(planned.stdout).toContain('cluster-llm: staged in-cluster by 2 pod(s)');
      expect(planned.outputs['bytes-uploaded']).toBe('0');
      expect(JSON.parse(planned.outputs.staged!)).toEqual({ 'cluster-llm': expect.objectContaining({ uri, commit: model.commit, format: 'huggingface' }) });
      await expect(s3.send(new HeadObjectCommand({ Bucket: 'action', Key: `cluster/acme/cluster-llm/${model.commit}/config.json` }))).rejects.toThrow();

      // what the Job's pods run, as action inputs: two shards, then finalize
      const refused = await runAction({ hf: 'acme/cluster-llm', finalize: 'true', dest: 's3://action/cluster' }, env);
      expect(refused.failed).toBe(true);
      expect(refused.stdout).toMatch(/cannot finalize .*no manifest written/);
      for (const shard of ['0/2', '1/2']) expect((await runAction({ hf: 'acme/cluster-llm', shard, dest: 's3://action/cluster' }, env)).failed).toBe(false);
      const done = await runAction({ hf: 'acme/cluster-llm', finalize: 'true', dest: 's3://action/cluster' }, env);
      expect(done.failed).toBe(false);
      expect(done.outputs['manifest-uri']).toBe(`s3://action/cluster/.manifests/acme/cluster-llm/${model.commit}.json`);
      await s3.send(new HeadObjectCommand({ Bucket: 'action', Key: `cluster/.manifests/acme/cluster-llm/${model.commit}.json` }));
    } finally {
      await hub.stop();
      await rm(catalog, { recursive: true, force: true });
    }
  }, 180_000);

  test('a re-run notices an object deleted under a staged prefix and uploads only it; recheck then finds nothing to do', async () => {
    const dir = await tempDir('prestage-model-recheck-');
    try {
      const model = generatedModel('local/recheck', [6]);
      await writeModelDir(join(dir, 'recheck'), model);
      const first = await runAction({ dir: join(dir, 'recheck'), dest: 's3://action/recheck' });
      expect(first.failed).toBe(false);
      const shard = model.files.find((file) => file.path.startsWith('model-') && file.path.endsWith('.safetensors'))!;
      const key = `${first.outputs['s3-uri']!.replace('s3://action/', '')}${shard.path}`;
      await s3.send(new DeleteObjectCommand({ Bucket: 'action', Key: key }));

      const plain = await runAction({ dir: join(dir, 'recheck'), dest: 's3://action/recheck' });
      expect(plain.failed).toBe(false);
      expect(plain.stdout).toMatch(/no longer match it: .*safetensors \(missing\)/);
      expect(Number(plain.outputs['bytes-uploaded'])).toBe(shard.size);
      expect((await s3.send(new HeadObjectCommand({ Bucket: 'action', Key: key }))).ContentLength).toBe(shard.size);
      const rechecked = await runAction({ dir: join(dir, 'recheck'), dest: 's3://action/recheck', recheck: 'true' });
      expect(rechecked.failed).toBe(false);
      expect(rechecked.outputs['bytes-uploaded']).toBe('0');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('timeout: a store that accepts and never answers fails the step within twice the timeout, in one line', async () => {
    const dir = await tempDir('prestage-model-timeout-');
    const silent = await startSilentServer();
    try {
      await writeModelDir(join(dir, 'stalled'), generatedModel('local/stalled', [1]));
      const started = Date.now();
      const stalled = await runAction({ dir: join(dir, 'stalled'), dest: 's3://action/stalled', timeout: '2' }, { AWS_ENDPOINT_URL_S3: silent.endpoint });
      expect(stalled.failed).toBe(true);
      // the runner's node start and the bundle's load come on top of the 2 × 2 s
      expect(Date.now() - started).toBeLessThan(2 * 2000 + 3000);
      expect(stalled.stdout).toMatch(new RegExp(`^::error::GetObject s3://action/stalled/\\.manifests/.*: S3 at ${silent.endpoint} sent nothing for 2 s \\(tried 2 times\\); check the endpoint, or raise --timeout \\(now 2 s\\)$`, 'm'));
      const bad = await runAction({ dir: join(dir, 'stalled'), dest: 's3://action/stalled', timeout: 'soon' });
      expect(bad.stdout).toContain("the timeout input must be a whole number of seconds from 1 to 86400, not 'soon'");
    } finally {
      await silent.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('fails the step when no source or two sources are given', async () => {
    const none = await runAction({ dest: 's3://action/models' });
    expect(none.failed).toBe(true);
    expect(none.stdout).toContain('set exactly one of the inputs hf, url, dir or model');
  });
});
