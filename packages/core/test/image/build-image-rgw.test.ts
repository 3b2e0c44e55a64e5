import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { captureReporter } from '@ray-gitops/testkit/capture-reporter';
import { startRgw, type Rgw } from '@ray-gitops/testkit/ceph';
import { FakeAws } from '@ray-gitops/testkit/fake-aws';
import { makeImageSource } from '@ray-gitops/testkit/image-fixtures';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildImage, createAwsImageServices, planImageBuild, zipContext } from '../../src/index.js';

/**
 * The build path with S3 being the Ceph RADOS Gateway (../shared/scripts/s3-ceph.sh), CodeBuild, ECR
 * and CloudWatch Logs the local JSON 1.1 servers: the zipped context goes through the real SDK into
 * a real S3 implementation, and comes back byte for byte.
 */
let rgw: Rgw;
let aws: FakeAws;

beforeAll(async () => {
  [rgw, aws] = await Promise.all([startRgw('build-image'), new FakeAws().start()]);
  aws.verifySource = false;
  Object.assign(process.env, aws.env(), {
    AWS_ENDPOINT_URL_S3: rgw.endpoint,
    AWS_ACCESS_KEY_ID: rgw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
  });
  await new S3Client({}).send(new CreateBucketCommand({ Bucket: 'build-sources' }));
}, 900_000);
afterAll(async () => {
  await aws?.stop();
  await rgw?.stop();
});

describe('build-image with S3 on the Ceph RADOS Gateway', () => {
  test('uploads the deterministic zip under its tag once, and the build runs from it', async () => {
    aws.addRepository('ray-vllm');
    aws.projects.set('ray-vllm-image', {});
    aws.nextBuildLife = { ticks: [{ phase: 'BUILD', lines: ['[Container] Entering phase BUILD', 'building'] }], outcome: 'SUCCEEDED' };
    const source = await makeImageSource();
    const planRun = () =>
      planImageBuild({
        contextDir: source.context,
        namedContexts: { serve: source.serve },
        repository: 'ray-vllm',
        project: 'ray-vllm-image',
        sourceBucket: 'build-sources',
      });
    const plan = await planRun();
    const timing = { pollIntervalMs: 2, maxPollIntervalMs: 10, logDrainMs: 0, retry: { baseMs: 5, capMs: 50, maxAttempts: 8 } };
    const { reporter } = captureReporter();
    const result = await buildImage(plan, { services: await createAwsImageServices(), reporter, timing });
    expect(result).toMatchObject({ skipped: false, uploaded: true });

    const stored = await new S3Client({}).send(new GetObjectCommand({ Bucket: 'build-sources', Key: plan.source.key }));
    const bytes = Buffer.from(await stored.Body!.transformToByteArray());
    expect(bytes.equals(await zipContext(plan.context.files))).toBe(true);
    expect(aws.calls.find((c) => c.operation === 'StartBuild')!.input.sourceLocationOverride).toBe(`build-sources/${plan.source.key}`);

    // the image went missing (lifecycle policy): the next run finds the zip in S3 and does not upload it again
    aws.images.get('ray-vllm')!.clear();
    const again = await buildImage(await planRun(), { services: await createAwsImageServices(), reporter, timing });
    expect(again).toMatchObject({ skipped: false, uploaded: false });
  });
});
