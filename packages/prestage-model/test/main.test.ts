import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startRgw, type Rgw } from '../../core/test/stage/ceph.js';
import { generatedModel, writeModelDir } from '../../core/test/stage/model.js';
import { run } from '../src/main.js';

interface ActionRun {
  readonly failed: boolean;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Runs the action's run() in-process the way the runner would: INPUT_* variables and file commands. */
async function runAction(inputs: Record<string, string>): Promise<ActionRun> {
  const work = await mkdtemp(join(tmpdir(), 'prestage-model-'));
  const outputFile = join(work, 'output');
  const summaryFile = join(work, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const saved = { ...process.env };
  process.env.GITHUB_OUTPUT = outputFile;
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  (core.summary as unknown as { _filePath?: string })._filePath = undefined;
  const defaults = { 'concurrency': '8', 'storage-class': '', 'include': '', 'exclude': '', 'hf': '', 'url': '', 'dir': '', 'model': '', 'hf-token': '' };
  for (const [name, value] of Object.entries({ ...defaults, ...inputs })) process.env[`INPUT_${name.toUpperCase()}`] = value;
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
  const failed = process.exitCode === 1;
  process.exitCode = undefined;
  const outputs: Record<string, string> = {};
  for (const match of (await readFile(outputFile, 'utf8')).matchAll(/^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[match[1]!] = match[3]!;
  return { failed, stdout, outputs, summary: await readFile(summaryFile, 'utf8') };
}

let rgw: Rgw;
beforeAll(async () => {
  rgw = await startRgw('prestage-action', 17690);
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, AWS_REGION: 'us-east-1' });
  await new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'action' }));
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

  test('fails the step when no source or two sources are given', async () => {
    const none = await runAction({ dest: 's3://action/models' });
    expect(none.failed).toBe(true);
    expect(none.stdout).toContain('set exactly one of the inputs hf, url, dir or model');
  });
});
