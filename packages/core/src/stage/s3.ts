import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../errors/index.js';

export interface S3Location {
  readonly bucket: string;
  /** without leading or trailing slash; '' for the bucket root */
  readonly prefix: string;
}

/** `s3://bucket/some/prefix/` → { bucket, prefix: 'some/prefix' } */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new UsageError(`'${uri}' is not an S3 location; write it as s3://BUCKET/PREFIX`);
  return { bucket: match[1]!, prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export function joinKey(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

interface StageS3ClientOptions {
  readonly region?: string;
  /** default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, as the SDK defines them */
  readonly endpoint?: string;
  /** sockets to S3; default 64 */
  readonly maxSockets?: number;
  /** no byte moving on a request for this long fails it (the stager then retries); default 120 s */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * The S3 client the stager uses: SDK retries off (the stager retries each part itself, visibly),
 * checksums only where the stager sets them, path-style addressing for custom endpoints.
 * The SDK is loaded here, on first use, so commands that never stage do not pay for it.
 */
export async function createStageS3Client(options: StageS3ClientOptions = {}): Promise<S3Client> {
  const [{ S3Client }, { Agent }, { Agent: HttpsAgent }] = await Promise.all([import('@aws-sdk/client-s3'), import('node:http'), import('node:https')]);
  const endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined);
  const region = options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined);
  const maxSockets = options.maxSockets ?? 64;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new S3Client({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      httpAgent: new Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      connectionTimeout: Math.min(10_000, timeoutMs),
      // requestTimeout only logs a warning unless throwOnRequestTimeout is set (@smithy/node-http-handler 4.x);
      // it bounds the wait for the answer's headers, socketTimeout any later silence of the body
      requestTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

/**
 * Where a client's requests go, in words for messages: `S3 at http://127.0.0.1:7480` for a custom
 * endpoint, `S3 in eu-west-1` for AWS, plain `S3` when even the region is unknown.
 */
export async function describeS3Endpoint(s3: S3Client): Promise<string> {
  try {
    const endpoint = await s3.config.endpoint?.();
    if (endpoint) return `S3 at ${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}`;
  } catch {
    // no custom endpoint
  }
  try {
    return `S3 in ${await s3.config.region()}`;
  } catch {
    return 'S3';
  }
}
