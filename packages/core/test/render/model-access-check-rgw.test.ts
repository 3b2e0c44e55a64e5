import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers.js';
import { StsServer } from './sts-server.js';
import { MODEL_ACCESS_CHECK_COMMAND } from '../../src/render/init-check.js';
import { startRgw, type Rgw } from '../stage/ceph.js';

/**
 * The GPU workers' init check as the pod runs it (python3 and boto3 from Debian, the command the RGD
 * renders), against a real S3 (Ceph RGW) and a loopback STS endpoint.
 */
const run = promisify(execFile);
const BUCKET = 'models-bucket';
const ACCOUNT = '123456789012';
const READER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ray-gitops-model-reader`;
const SOURCE = `s3://${BUCKET}/models/qwen/${'a'.repeat(40)}/`;
const MANIFEST = `s3://${BUCKET}/models/.manifests/qwen/${'a'.repeat(40)}.json`;

let rgw: Rgw;
let sts: StsServer;
let home: string;

beforeAll(async () => {
  [rgw, sts] = await Promise.all([startRgw('model-access-check'), new StsServer().start()]);
  const s3 = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true, credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey } });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `models/qwen/${'a'.repeat(40)}/config.json`, Body: '{}' }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `models/.manifests/qwen/${'a'.repeat(40)}.json`, Body: '{"files": 1}' }));
  // boto3 reads no credentials or settings from this machine: only what each case gives it
  home = await tempDir('model-check-home');
  await writeFile(join(home, 'config'), '[default]\ns3 =\n    addressing_style = path\n');
}, 600_000);

afterAll(async () => {
  await Promise.all([rgw?.stop(), sts?.stop(), home ? rm(home, { recursive: true, force: true }) : undefined]);
});

interface CheckRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function check(options: { callerArn?: string; credentials?: boolean; source?: string; manifest?: string }): Promise<CheckRun> {
  if (options.callerArn) sts.identities.set(rgw.accessKeyId, options.callerArn);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    PYTHONPATH: join(REPO_ROOT, 'serve'),
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_S3: rgw.endpoint,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    AWS_REGION: 'us-east-1',
    MODEL_SOURCE: options.source ?? SOURCE,
    MODEL_MANIFEST: options.manifest ?? MANIFEST,
    EXPECTED_ROLE_NAME: 'ray-gitops-model-reader',
    EXPECTED_ROLE_ARN: READER_ROLE_ARN,
    SERVICE_ACCOUNT: 'qwen-model-reader',
    POD_NAMESPACE: 'llm-serving',
    ...(options.credentials === false ? {} : { AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey }),
  };
  const [, ...args] = MODEL_ACCESS_CHECK_COMMAND;
  try {
    const { stdout, stderr } = await run('python3', args, { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The one line a failed check leaves in the pod's log. */
function oneLine(result: CheckRun): string {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/Traceback|File "/);
  return lines[0]!;
}

describe('the workers\' init check (python -m ray_gitops_serve.model_access_check)', () => {
  test('passes as the reader role (an EKS Pod Identity assumed-role session), having read the prefix and the manifest', async () => {
    const result = await check({ callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ray-gitops-model-reader/eks-ray-gitops-qwen-3f2a` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      `ray-gitops model check: ${SOURCE} and ${MANIFEST} are readable as arn:aws:sts::${ACCOUNT}:assumed-role/ray-gitops-model-reader/eks-ray-gitops-qwen-3f2a`,
    );
    expect(sts.calls.at(-1)).toEqual({ action: 'GetCallerIdentity', accessKeyId: rgw.accessKeyId });
  });

  test('stops as another role (the node role a pod without an association falls back to), naming the role to associate', async () => {
    const line = oneLine(await check({ callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-node-group-gpu/i-0abc` }));
    expect(line).toBe(
      `ray-gitops model check: the pod runs as arn:aws:sts::${ACCOUNT}:assumed-role/eks-node-group-gpu/i-0abc (role eks-node-group-gpu is not ray-gitops-model-reader); ` +
        `associate service account llm-serving/qwen-model-reader with role ${READER_ROLE_ARN} through EKS Pod Identity ` +
        "(the model's PodIdentityAssociation, the ACK EKS controller and the eks-pod-identity-agent add-on)",
    );
  });

  test('stops as the right role name in another account', async () => {
    const line = oneLine(await check({ callerArn: 'arn:aws:sts::210987654321:assumed-role/ray-gitops-model-reader/s' }));
    expect(line).toMatch(/is in account 210987654321, not 123456789012\); associate service account/);
  });

  test('stops with no credentials at all, saying to associate the service account', async () => {
    const line = oneLine(await check({ credentials: false }));
    expect(line).toBe(
      'ray-gitops model check: the pod has no AWS credentials; associate service account llm-serving/qwen-model-reader with an IAM role through EKS Pod Identity ' +
        '(and install the eks-pod-identity-agent add-on)',
    );
  });

  test('stops on an empty prefix: the model is not staged there', async () => {
    const empty = `s3://${BUCKET}/models/qwen/${'b'.repeat(40)}/`;
    const line = oneLine(await check({ callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ray-gitops-model-reader/s`, source: empty }));
    expect(line).toBe(`ray-gitops model check: ${empty} holds no objects, so the model is not staged there; stage it with 'ray-gitops prestage' or correct model.source`);
  });

  test('stops on a missing completion manifest: staging did not finish', async () => {
    const missing = `s3://${BUCKET}/models/.manifests/qwen/${'c'.repeat(40)}.json`;
    const line = oneLine(await check({ callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ray-gitops-model-reader/s`, manifest: missing }));
    expect(line).toBe(`ray-gitops model check: the completion manifest ${missing} does not exist, so staging of ${SOURCE} did not finish; re-run 'ray-gitops prestage' for this model`);
  });
});
