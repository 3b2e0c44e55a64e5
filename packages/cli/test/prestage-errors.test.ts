import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { closedPort, pythonTar, serveArchive, startSilentServer } from '@ray-gitops/testkit/archives';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { generatedModel, writeModelDir } from '@ray-gitops/testkit/model';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, type CliRun } from './run-cli.js';

const run = promisify(execFile);
const BIN = new URL('../../../node_modules/.bin/ray-gitops', import.meta.url).pathname;
let rgw: Rgw;
let work: string;
let modelDir: string;
const AWS_VARIABLES = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_EC2_METADATA_DISABLED', 'HF_ENDPOINT'];

/** Runs the CLI in-process with these variables set (undefined: unset), and puts the environment back. */
async function withEnv(env: Record<string, string | undefined>, ...argv: string[]): Promise<CliRun & { seconds: number }> {
  const saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  const started = Date.now();
  try {
    return { ...(await runCli(...argv)), seconds: (Date.now() - started) / 1000 };
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The run failed with exit 1 and ended in one line: no stack trace, no "internal error". */
function expectOneLineFailure(result: CliRun): string {
  expect(result.code).toBe(1);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const lines = result.stderr.trimEnd().split('\n');
  return lines.at(-1)!;
}

const rgwEnv = () => ({
  AWS_ENDPOINT_URL_S3: rgw.endpoint,
  AWS_ACCESS_KEY_ID: rgw.accessKeyId,
  AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
  AWS_REGION: 'us-east-1',
  AWS_PROFILE: undefined,
  AWS_CONFIG_FILE: join(work, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
});

beforeAll(async () => {
  rgw = await startRgw('cli-prestage-errors');
  await new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } }).send(
    new CreateBucketCommand({ Bucket: 'errors' }),
  );
  work = await mkdtemp(join(tmpdir(), 'prestage-errors-'));
  modelDir = join(work, 'small-model');
  await writeModelDir(modelDir, generatedModel('local/small', [1]));
}, 600_000);

afterAll(async () => {
  await rgw?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

describe('prestage at the AWS and Hub boundary: one line each', () => {
  test('no region', async () => {
    const result = await withEnv({ ...rgwEnv(), AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, 'prestage', '--dir', modelDir, '--dest', 's3://errors/m', '--storage-class', '');
    expect(expectOneLineFailure(result)).toMatch(/^ray-gitops prestage: GetObject s3:\/\/errors\/m\/\.manifests\/.*: no AWS region is set; set AWS_REGION/);
  });

  test('no credentials', async () => {
    const result = await withEnv({ ...rgwEnv(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }, 'prestage', '--dir', modelDir, '--dest', 's3://errors/m', '--storage-class', '');
    expect(expectOneLineFailure(result)).toMatch(/: no AWS credentials found \(tried the environment, .*\); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/);
  });

  test('a bucket that does not exist', async () => {
    const result = await withEnv(rgwEnv(), 'prestage', '--dir', modelDir, '--dest', 's3://no-such-bucket/m', '--storage-class', '');
    expect(expectOneLineFailure(result)).toMatch(new RegExp(`GetObject s3://no-such-bucket/m/\\.manifests/.*: S3 at ${rgw.endpoint} has no such bucket; create it or fix the bucket in --dest$`));
  });

  test('a wrong secret (SignatureDoesNotMatch)', async () => {
    const result = await withEnv({ ...rgwEnv(), AWS_SECRET_ACCESS_KEY: 'not-the-secret-0123456789' }, 'prestage', '--dir', modelDir, '--dest', 's3://errors/m', '--storage-class', '');
    const line = expectOneLineFailure(result);
    expect(line).toMatch(/refused the request signature \(SignatureDoesNotMatch\).*check AWS_SECRET_ACCESS_KEY/);
    expect(result.stderr).not.toContain('not-the-secret');
  });

  test('a store without INTELLIGENT_TIERING', async () => {
    const result = await withEnv(rgwEnv(), 'prestage', '--dir', modelDir, '--dest', 's3://errors/tiering');
    expect(expectOneLineFailure(result)).toMatch(/refused storage class INTELLIGENT_TIERING \((InvalidArgument|InvalidStorageClass)\); stores without it \(Ceph RGW, MinIO\) need --storage-class '' \(the bucket's default\) or STANDARD$/);
    const fixed = await withEnv(rgwEnv(), 'prestage', '--dir', modelDir, '--dest', 's3://errors/tiering', '--storage-class', '');
    expect(fixed.code).toBe(0);
  });

  test('an endpoint that refuses connections, within 30 s, retries shown as they happen', async () => {
    const port = await closedPort();
    const result = await withEnv({ ...rgwEnv(), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, 'prestage', '--dir', modelDir, '--dest', 's3://errors/m', '--storage-class', '');
    expect(result.seconds).toBeLessThan(30);
    expect(expectOneLineFailure(result)).toMatch(new RegExp(`S3 at http://127\\.0\\.0\\.1:${port} refused the connection \\(tried 8 times\\); check AWS_ENDPOINT_URL_S3 \\(or AWS_ENDPOINT_URL\\) and that the store is running$`));
    expect(result.stderr).toMatch(new RegExp(`^S3 at http://127\\.0\\.0\\.1:${port} refused the connection \\(GetObject s3://errors/m/\\.manifests/.*\\), retry 2/7 in \\d+(\\.\\d)?( ms| s)$`, 'm'));
  }, 60_000);

  test('the Hub offline, within 30 s', async () => {
    const port = await closedPort();
    const result = await withEnv({ ...rgwEnv(), HF_ENDPOINT: `http://127.0.0.1:${port}` }, 'prestage', '--hf', 'acme/any-llm', '--dest', 's3://errors/m');
    expect(result.seconds).toBeLessThan(30);
    expect(expectOneLineFailure(result)).toBe(
      `ray-gitops prestage: resolving acme/any-llm@main: the Hugging Face Hub at http://127.0.0.1:${port} refused the connection (tried 8 times); check HF_ENDPOINT and the network (is the Hub reachable from here?)`,
    );
  }, 60_000);

  test('--timeout: a store that accepts and never answers ends the run within twice the timeout', async () => {
    const silent = await startSilentServer();
    try {
      const result = await withEnv({ ...rgwEnv(), AWS_ENDPOINT_URL_S3: silent.endpoint }, 'prestage', '--dir', modelDir, '--dest', 's3://errors/m', '--storage-class', '', '--timeout', '2');
      expect(result.seconds).toBeLessThan(2 * 2 + 1);
      expect(expectOneLineFailure(result)).toMatch(new RegExp(`S3 at ${silent.endpoint} sent nothing for 2 s \\(tried 2 times\\); check the endpoint, or raise --timeout \\(now 2 s\\)$`));
    } finally {
      await silent.stop();
    }
    expect((await runCli('prestage', '--dir', modelDir, '--dest', 's3://errors/m', '--timeout', '0')).code).toBe(2);
  }, 60_000);

  test('--url takes http:// only for loopback hosts', async () => {
    const result = await runCli('prestage', '--url', 'http://models.example.com/m.tar', '--dest', 's3://errors/m');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the archive URL must be an https:// URL (http:// only for a loopback host such as 127.0.0.1), not 'http://models.example.com/m.tar'");
  });

  test('a redirect from https to http stops the run with one line', async () => {
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'key.pem'), '-out', join(work, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const archive = join(work, 'redirected.tar');
    await pythonTar(archive, [{ name: 'model/config.json', data: Buffer.from('{}') }]);
    const plain = await serveArchive(archive);
    const tls = createHttpsServer({ key: await readFile(join(work, 'key.pem')), cert: await readFile(join(work, 'cert.pem')) }, (_req, res) => {
      res.writeHead(302, { location: plain.url('/model.tar') });
      res.end();
    });
    await new Promise<void>((ok) => tls.listen(0, '127.0.0.1', ok));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/model.tar`;
      const child = await run(process.execPath, [BIN, 'prestage', '--url', url, '--dest', 's3://errors/redirect', '--storage-class', ''], {
        env: { ...process.env, ...rgwEnv(), NODE_EXTRA_CA_CERTS: join(work, 'cert.pem'), NODE_NO_WARNINGS: '1' },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      const line = expectOneLineFailure({ code: child.code, stdout: '', stderr: child.stderr });
      expect(line).toBe(`ray-gitops prestage: GET ${url} redirected to ${plain.url('/model.tar')}, leaving https; refusing to follow (an https source must stay https)`);
      expect(plain.requests).toEqual([]);
    } finally {
      tls.closeAllConnections();
      await new Promise((ok) => tls.close(ok));
      await plain.stop();
    }
  }, 60_000);

  test('--recheck reads a staged model back and uploads nothing when every byte matches', async () => {
    const first = await withEnv(rgwEnv(), 'prestage', '--dir', modelDir, '--dest', 's3://errors/recheck', '--storage-class', '', '--json');
    expect(first.code).toBe(0);
    const again = await withEnv(rgwEnv(), 'prestage', '--dir', modelDir, '--dest', 's3://errors/recheck', '--storage-class', '', '--recheck', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyStaged: false, bytesUploaded: 0 });
  }, 60_000);
});
