import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';
import { IMAGE, tempDir, VERSIONS_FILE, workspace } from '../../core/test/render/helpers.js';
import { startRgw, type Rgw } from '../../core/test/stage/ceph.js';
import { FakeHub, TEST_TOKEN } from '../../core/test/stage/hf-server.js';
import { generatedModel } from '../../core/test/stage/model.js';

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
    expect(both.stderr).toContain('give exactly one of --hf, --url, --dir or --model (got --hf, --dir)');
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

/** A catalog entry served from the fake Hub's acme/cli-llm. */
const CLI_LLM_ENTRY = ['name: cli-llm', 'source:', '  huggingface:', '    repo: acme/cli-llm', '    revision: main', 'serving:', '  maxModelLen: 4096', '  gpu: { type: L4, count: 1 }', ''].join('\n');

describe('prestage to render', () => {
  test("prestage --json output fed to render --staged renders that model's instance with its staged prefix", async () => {
    const ws = await workspace();
    await writeFile(join(ws.catalog, 'cli-llm.yaml'), CLI_LLM_ENTRY);
    const staged = await runCli('prestage', '--hf', 'acme/cli-llm', '--dest', 's3://cli/handoff', '--storage-class', '', '--json');
    expect(staged.code).toBe(0);
    const file = join(ws.root, 'staged.json');
    await writeFile(file, staged.stdout);

    const rendered = await runCli('render', '--catalog', ws.catalog, '--out', ws.out, '--versions', VERSIONS_FILE, '--image', IMAGE, '--staged', file);
    expect(rendered.stderr).not.toContain('matches no catalog entry');
    expect(rendered.code).toBe(0);
    const instance = await readFile(join(ws.out, 'workloads', 'cli-llm', 'instance.yaml'), 'utf8');
    expect(instance).toContain(`source: s3://cli/handoff/acme/cli-llm/${public_.commit}/`);
    expect(instance).toContain(`commit: ${public_.commit}`);
    expect(instance).toContain('ray-gitops.io/source: huggingface:acme/cli-llm@main');
    // the example catalog's other models were not staged by this record
    expect(rendered.stderr).toMatch(/qwen2-5-7b-instruct are not staged yet/);
  }, 120_000);

  test('--model stages catalog entries by name or those the rendered tree awaits, into the map render --staged takes', async () => {
    const root = await tempDir('cli-prestage-model');
    const out = join(root, 'gitops');
    const catalog = join(out, 'models');
    await mkdir(catalog, { recursive: true });
    await writeFile(join(out, 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
    await writeFile(join(catalog, 'cli-llm.yaml'), CLI_LLM_ENTRY);
    await writeFile(join(catalog, 'in-s3.yaml'), ['name: in-s3', 'source:', '  s3:', '    uri: s3://cli/elsewhere/in-s3/', 'serving:', '  maxModelLen: 4096', '  gpu: { type: L4, count: 1 }', ''].join('\n'));
    const stage = (model: string, ...flags: string[]) => runCli('prestage', '--model', model, ...flags, '--catalog', catalog, '--out', out, '--dest', 's3://cli/by-model', '--storage-class', '', '--json');

    const pending = await stage('pending');
    expect(pending.code).toBe(0);
    const map = JSON.parse(pending.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(map)).toEqual(['cli-llm']);
    expect(map['cli-llm']).toMatchObject({ model: 'cli-llm', uri: `s3://cli/by-model/acme/cli-llm/${public_.commit}/`, source: 'huggingface:acme/cli-llm@main' });

    const file = join(root, 'staged.json');
    await writeFile(file, pending.stdout);
    const rendered = await runCli('render', '--catalog', catalog, '--out', out, '--versions', VERSIONS_FILE, '--image', IMAGE, '--staged', file);
    expect(rendered.code).toBe(0);
    expect(await readFile(join(out, 'workloads', 'cli-llm', 'instance.yaml'), 'utf8')).toContain(`source: s3://cli/by-model/acme/cli-llm/${public_.commit}/`);

    // the rendered tree now records cli-llm's staging: nothing is pending
    const nothing = await stage('pending');
    expect(nothing).toMatchObject({ code: 0, stdout: '{}\n' });
    const again = await stage('cli-llm', '--recheck');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)['cli-llm']).toMatchObject({ bytesUploaded: 0 });

    const missing = await stage('cli-llm', 'in-s3', 'no-such-llm');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('in-s3: its weights already live in S3');
    expect(missing.stderr).toContain('no-such-llm.yaml');
    expect(Object.keys(JSON.parse(missing.stdout))).toEqual(['cli-llm']);
  }, 180_000);
});
