import { StageError } from './errors.js';
import { formatSeconds, isStall } from '../net/index.js';

/** Where the stager's S3 requests go, for messages: `S3 at http://127.0.0.1:7480` or `S3 in eu-west-1`. */
export type S3Where = string;

/** The store ran out of room (HTTP 507, or s3rver's disk full); nothing partial is kept. */
export class StoreFullError extends StageError {}

/** A network-level cause in words: `refused the connection`, `dropped the connection`, `sent nothing for 120 s`. */
export function networkCause(error: unknown, timeoutMs?: number): string | undefined {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; idleMs?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  const idleMs = typeof e.idleMs === 'number' ? e.idleMs : timeoutMs;
  if (isStall(e)) return idleMs !== undefined ? `sent nothing for ${formatSeconds(idleMs)}` : 'stopped answering (timed out)';
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === 'ECONNREFUSED') return 'refused the connection';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'dropped the connection';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'has a host name that does not resolve';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'is unreachable from here';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'did not accept the connection in time';
  if (e.cause !== undefined && e.cause !== error) return networkCause(e.cause, timeoutMs);
  return undefined;
}

/** `SlowDown (HTTP 503)`, `refused the connection`: what one failed attempt was, for retry lines. */
export function attemptCause(error: unknown, timeoutMs?: number): string {
  const network = networkCause(error, timeoutMs);
  if (network) return network;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return `answered ${e?.name ?? 'an error'}${status ? ` (HTTP ${status})` : ''}`;
}

export interface S3Failure {
  readonly where: S3Where;
  /** e.g. `PutObject s3://models/hf/acme/x/config.json` */
  readonly operation: string;
  /** attempts made, for "tried N times" */
  readonly attempts: number;
  readonly timeoutMs: number;
  readonly storageClass?: string;
}

const oneLine = (text: string) => text.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').trim();

/**
 * One line for a failed S3 call: what failed, what was tried, what to do. The SDK's own wording is
 * kept only where nothing better is known, and never its stack.
 */
export function explainS3Error(error: unknown, failure: S3Failure): StageError {
  if (error instanceof StageError) return error;
  const e = (error ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; Code?: string };
  const name = e.name ?? 'Error';
  const message = oneLine(String(e.message ?? error));
  const status = e.$metadata?.httpStatusCode;
  const { where, operation } = failure;
  const tried = failure.attempts > 1 ? ` (tried ${failure.attempts} times)` : '';
  const options = { cause: error };
  if (/region is missing/i.test(message)) return new StageError(`${operation}: no AWS region is set; set AWS_REGION (e.g. AWS_REGION=us-east-1)`, options);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return new StageError(
      `${operation}: no AWS credentials found (tried the environment, AWS_PROFILE and the shared config files, SSO, container and instance roles); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run 'aws sso login'`,
      options,
    );
  }
  if (name === 'NoSuchBucket') return new StageError(`${operation}: ${where} has no such bucket; create it or fix the bucket in --dest`, options);
  if (name === 'SignatureDoesNotMatch') return new StageError(`${operation}: ${where} refused the request signature (SignatureDoesNotMatch): the secret access key does not belong to the access key id; check AWS_SECRET_ACCESS_KEY or the profile`, options);
  if (name === 'InvalidAccessKeyId') return new StageError(`${operation}: ${where} does not know the access key id (InvalidAccessKeyId); check AWS_ACCESS_KEY_ID or the profile`, options);
  if (name === 'ExpiredToken' || name === 'TokenRefreshRequired') return new StageError(`${operation}: the AWS session token expired (${name}); refresh the credentials (e.g. 'aws sso login')`, options);
  if (name === 'AccessDenied' || status === 403) return new StageError(`${operation}: ${where} denied access (${name}); the credentials need s3:GetObject, s3:PutObject, s3:ListBucketMultipartUploads and s3:AbortMultipartUpload on the destination`, options);
  if ((name === 'InvalidStorageClass' || name === 'InvalidArgument') && failure.storageClass) {
    return new StageError(`${operation}: ${where} refused storage class ${failure.storageClass} (${name}); stores without it (Ceph RGW, MinIO) need --storage-class '' (the bucket's default) or STANDARD`, options);
  }
  if (status === 507 || name === 'InsufficientStorage' || /no space left|ENOSPC/i.test(message)) {
    return new StoreFullError(`${operation}: ${where} is out of storage space (${name}${status ? `, HTTP ${status}` : ''}); free space on the store and run again (what was staged so far is kept, nothing partial)`, options);
  }
  const network = networkCause(error, failure.timeoutMs);
  if (network) {
    const advice = isStall(error) ? `check the endpoint, or raise --timeout (now ${formatSeconds(failure.timeoutMs)})` : 'check AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) and that the store is running';
    return new StageError(`${operation}: ${where} ${network}${tried}; ${advice}`, options);
  }
  const retriedOut = tried && (status === undefined || status >= 500 || status === 429);
  return new StageError(`${operation}: ${where} answered ${name}${status ? ` (HTTP ${status})` : ''}: ${message.slice(0, 300)}${retriedOut ? `${tried}; try again later` : ''}`, options);
}
