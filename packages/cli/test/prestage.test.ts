import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { FakeHub, TEST_TOKEN } from '@ray-gitops/testkit/hf-server';
import { generatedModel } from '@ray-gitops/testkit/model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const public_ = generatedModel('acme/cli-llm', [6, 6], { commit: 'f1'.repeat(20) });
const gated = generatedModel('acme/cli-gated', [5], { gated: true, commit: 'f2'.repeat(20) });
let rgw: Rgw;
let hub: FakeHub;

beforeAll(async () => {
  rgw = await startRgw('cli-prestage');
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, AWS_REGION: 'us-east-1' });
  await new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'cli' }));
  hub = new FakeHub([public_, gated]);
  await hub.start();
  process.env.HF_ENDPOINT = hub.endpoint;
}, 600_000);

afterAll(async () => {
  await hub?.stop();
  await rgw?.stop();
}, 120_000);

describe('ray-gitops prestage', () => {
  test('asks for exactly one source and an s3:// destination', async () => {
    expect((await runCli('prestage', '--dest', 's3://cli/models')).code).toBe(2);
    const both = await runCli('prestage', '--hf', 'a/b', '--dir', '.', '--dest', 's3://cli/models');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give exactly one of --hf, --url or --dir (got --hf, --dir)');
    expect((await runCli('prestage', '--hf', 'a/b', '--dest', '/tmp/x')).stderr).toContain('--dest must be an s3:// location');
    expect((await runCli('prestage', '--hf', 'a/b', '--dest', 's3://cli/m', '--concurrency', '0')).code).toBe(2);
  });

  test('stages a Hugging Face model and prints the staged record as JSON on stdout', async () => {
    const { code, stdout, stderr } = await runCli('prestage', '--hf', 'acme/cli-llm@main', '--dest', 's3://cli/models', '--storage-class', '', '--json');
    expect(stderr).toContain('staging 7 file(s)');
    expect(code).toBe(0);
    const record = JSON.parse(stdout) as Record<string, unknown>;
    expect(record).toMatchObject({
      uri: `s3://cli/models/acme/cli-llm/${public_.commit}/`,
      commit: public_.commit,
      manifestUri: `s3://cli/models/.manifests/acme/cli-llm/${public_.commit}.json`,
      source: 'huggingface:acme/cli-llm@main',
      format: 'huggingface',
      alreadyStaged: false,
    });
    const again = await runCli('prestage', '--hf', 'acme/cli-llm', '--dest', 's3://cli/models', '--storage-class', '', '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyStaged: true, bytesUploaded: 0 });
  }, 120_000);

  test('stages a gated model with HF_TOKEN and never prints the token', async () => {
    const denied = await runCli('prestage', '--hf', 'acme/cli-gated', '--dest', 's3://cli/models', '--storage-class', '');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/gated.*set HF_TOKEN/);
    process.env.HF_TOKEN = TEST_TOKEN;
    try {
      const { code, stdout, stderr } = await runCli('prestage', '--hf', 'acme/cli-gated', '--dest', 's3://cli/models', '--storage-class', '');
      expect(code).toBe(0);
      expect(stdout).toBe(`s3://cli/models/acme/cli-gated/${gated.commit}/\n`);
      expect(stderr + stdout).not.toContain(TEST_TOKEN);
    } finally {
      delete process.env.HF_TOKEN;
    }
  }, 120_000);

  test('checks --sha256 is 64 hex digits before downloading anything', async () => {
    const { code, stderr } = await runCli('prestage', '--url', 'https://example.com/m.tar', '--sha256', 'abc', '--dest', 's3://cli/models');
    expect(code).toBe(2);
    expect(stderr).toContain("the archive's sha256 must be 64 hex digits, not 'abc'");
  });
});
