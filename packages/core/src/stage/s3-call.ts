import type { S3Client } from '@aws-sdk/client-s3';
import { withRetry, type RetryPolicy } from './retry.js';
import { attemptCause, explainS3Error } from './s3-errors.js';
import { isNotFound, isUnsupported } from './s3-requests.js';
import { formatSeconds } from '../net/index.js';
import type { Reporter } from '../report/index.js';

/** The S3 module of the AWS SDK, passed in so callers share the client's own classes. */
export type Sdk = typeof import('@aws-sdk/client-s3');

/** What every S3 call of a staging run needs: the client, where it goes (for messages), the retry rules. */
export interface S3Session {
  readonly s3: S3Client;
  readonly sdk: Sdk;
  readonly bucket: string;
  /** `S3 at http://…` or `S3 in region`: the endpoint, for messages */
  readonly where: string;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly reporter: Reporter;
  readonly storageClass?: string;
}

/**
 * One S3 call, retried per the policy with each retry shown as it happens ("S3 at … refused the
 * connection (PutObject s3://…), retry 2/7 in 1.6 s"); a stalled call ends within twice the timeout.
 * A missing object or an unsupported call is thrown as the SDK raised it, for the caller to decide;
 * anything else becomes one StageError line that names the endpoint and the operation.
 */
export async function s3Call<T>(session: S3Session, operation: string, send: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  let attempts = 0;
  try {
    return await withRetry(
      (attempt, signal) => {
        attempts = attempt + 1;
        return send(signal);
      },
      {
        policy: session.retry,
        stallWindowMs: session.timeoutMs,
        onRetry: (error, _attempt, waitMs, event) =>
          session.reporter.info(`${session.where} ${attemptCause(error, session.timeoutMs)} (${operation}), retry ${event.attempt}/${event.attempts - 1} in ${formatSeconds(waitMs)}`),
      },
    );
  } catch (error) {
    if (isNotFound(error) || isUnsupported(error)) throw error;
    throw explainS3Error(error, {
      where: session.where,
      operation,
      attempts,
      timeoutMs: session.timeoutMs,
      ...(session.storageClass ? { storageClass: session.storageClass } : {}),
    });
  }
}

/** `PutObject s3://bucket/key`: an operation and its target, for messages. */
export const describeCall = (session: S3Session, operation: string, key: string) => `${operation} s3://${session.bucket}/${key}`;

/** The SDK's per-request options for a signal that may be absent. */
export const signalOption = (abortSignal: AbortSignal | undefined): { abortSignal?: AbortSignal } => (abortSignal ? { abortSignal } : {});
