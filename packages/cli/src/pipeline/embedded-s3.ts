import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { createStoreGuard } from './store-guard.js';

/**
 * s3rver's built-in account: it accepts only this key pair (and checks no SigV4 signature). They are
 * no secret, but they stay in this process: the pipeline hands them to its own S3 client only.
 */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The region the embedded bucket claims; s3rver ignores it, the SDK needs one. */
export const EMBEDDED_S3_REGION = 'us-east-1';

export interface EmbeddedS3 {
  /** `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL_S3 */
  readonly endpoint: string;
  readonly bucket: string;
  /** where s3rver keeps the objects (one directory per bucket) */
  readonly dataDir: string;
  /** stops listening; safe to call more than once */
  stop(): Promise<void>;
}

/**
 * Starts s3rver in this process on a free loopback port, its data in `dataDir`, with `bucket` created.
 * s3rver answers through an HTTP server of our own, so stopping can drop open connections at once,
 * behind a guard that answers a full disk with 507 InsufficientStorage and removes aborted uploads.
 */
export async function startEmbeddedS3(options: { dataDir: string; bucket: string }): Promise<EmbeddedS3> {
  await mkdir(options.dataDir, { recursive: true });
  const s3rver = new S3rver({ silent: true, directory: options.dataDir, configureBuckets: [{ name: options.bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const answer = s3rver.callback();
  const guard = createStoreGuard(options.dataDir);
  const server = createServer((req, res) => {
    guard(req, res).then(
      (answered) => {
        if (!answered) void answer(req, res);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // keep-alive sockets of a client, or requests of an interrupted upload, must not hold the stop up
      server.closeAllConnections();
    });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bucket: options.bucket,
    dataDir: options.dataDir,
    stop: () => (stopped ??= stop()),
  };
}

/**
 * The environment that points the AWS SDK's S3 calls at the embedded bucket (AWS_ENDPOINT_URL_S3, as
 * the SDK defines it) with s3rver's account, and keeps a profile or session token of the caller out.
 */
export function embeddedS3Environment(s3: EmbeddedS3): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: EMBEDDED_S3_REGION,
    AWS_ACCESS_KEY_ID: EMBEDDED_S3_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMBEDDED_S3_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
  };
}
