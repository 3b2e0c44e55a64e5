import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startRgw, type Rgw } from './ceph.js';
import { FakeHub, type FakeRepo } from './hf-server.js';
import { S3FaultProxy } from './s3-proxy.js';

/** What a stager test runs against: the Ceph RGW behind a fault-injecting proxy, and the fake Hub. */
export interface StagingBench {
  readonly rgw: Rgw;
  /** what the stager talks to (AWS_ENDPOINT_URL_S3 points here) */
  readonly proxy: S3FaultProxy;
  /** a client straight to the RGW, for the test's own reads and checks */
  readonly direct: S3Client;
  readonly hub: FakeHub;
  stop(): Promise<void>;
}

/**
 * Starts the bench and points the process's AWS and Hugging Face variables at it, as a user's shell
 * would (the stager under test reads only those), with `bucket` created and no HF_TOKEN set.
 */
export async function startStagingBench(name: string, bucket: string, repos: FakeRepo[]): Promise<StagingBench> {
  const rgw = await startRgw(name);
  process.env.AWS_ACCESS_KEY_ID = rgw.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = rgw.secretAccessKey;
  process.env.AWS_REGION = 'us-east-1';
  const proxy = new S3FaultProxy(rgw.endpoint);
  await proxy.start();
  process.env.AWS_ENDPOINT_URL_S3 = proxy.endpoint;
  const direct = new S3Client({ region: 'us-east-1', endpoint: rgw.endpoint, forcePathStyle: true });
  await direct.send(new CreateBucketCommand({ Bucket: bucket }));
  const hub = new FakeHub(repos);
  await hub.start();
  process.env.HF_ENDPOINT = hub.endpoint;
  delete process.env.HF_TOKEN;
  return {
    rgw,
    proxy,
    direct,
    hub,
    stop: async () => {
      await hub.stop();
      await proxy.stop();
      await rgw.stop();
    },
  };
}
