import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRgw, type Rgw } from '../../core/test/stage/ceph.js';
import { FakeHub } from '../../core/test/stage/hf-server.js';
import { generatedModel, writeModelDir } from '../../core/test/stage/model.js';
import { bundleAction, runAsRunner } from '../../core/test/support/action-runner.js';

let bundle: string;
let s3Env: Record<string, string>;

/** Runs the bundled action the way the runner would: INPUT_* variables (action.yml defaults included) and file commands. */
async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const result = await runAsRunner(bundle, { action: 'prestage-model', inputs: { 'storage-class': '', ...inputs }, env: { ...s3Env, ...env } });
  return { failed: result.exitCode !== 0, stdout: result.stdout, outputs: result.outputs, summary: result.summary };
}

let rgw: Rgw;
beforeAll(async () => {
  [rgw, bundle] = await Promise.all([startRgw('prestage-action', 17690), bundleAction('prestage-model')]);
  // RGW rejects INTELLIGENT_TIERING, the default storage class, so runAction passes none
  s3Env = { AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, AWS_REGION: 'us-east-1' };
  await new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } }).send(new CreateBucketCommand({ Bucket: 'action' }));
}, 600_000);

afterAll(async () => {
  await rgw?.stop();
}, 120_000);

describe('prestage-model action', () => {
  test('stages a local directory and sets the outputs and a per-file job summary', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'prestage-model-dir-'));
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

  test('stages one catalog model by name from the Hugging Face repo its entry names', async () => {
    const repo = generatedModel('acme/catalog-llm', [6], { commit: 'c7'.repeat(20) });
    const hub = new FakeHub([repo]);
    await hub.start();
    const catalog = await mkdtemp(join(tmpdir(), 'prestage-model-catalog-'));
    try {
      await writeFile(
        join(catalog, 'catalog-llm.yaml'),
        [
          'name: catalog-llm',
          'description: A generated model served by the test Hub.',
          'source:',
          '  huggingface:',
          '    repo: acme/catalog-llm',
          '    revision: main',
          'serving:',
          '  maxModelLen: 4096',
          '  gpu: { type: L4, count: 1 }',
          '  replicas: { min: 1, max: 1 }',
          '',
        ].join('\n'),
      );
      const staged = await runAction({ model: 'catalog-llm', catalog, dest: 's3://action/catalog' }, { HF_ENDPOINT: hub.endpoint });
      expect(staged.failed).toBe(false);
      expect(staged.outputs['s3-uri']).toBe(`s3://action/catalog/acme/catalog-llm/${repo.commit}/`);
      expect(staged.outputs.commit).toBe(repo.commit);
      expect(staged.summary).toContain('| `model-00001-of-00001.safetensors` |');

      const missing = await runAction({ model: 'no-such-llm', catalog, dest: 's3://action/catalog' }, { HF_ENDPOINT: hub.endpoint });
      expect(missing.failed).toBe(true);
      expect(missing.stdout).toContain('no-such-llm.yaml');
    } finally {
      await hub.stop();
      await rm(catalog, { recursive: true, force: true });
    }
  }, 120_000);

  test('fails the step when no source or two sources are given', async () => {
    const none = await runAction({ dest: 's3://action/models' });
    expect(none.failed).toBe(true);
    expect(none.stdout).toContain('set exactly one of the inputs hf, url, dir or model');
  });
});
