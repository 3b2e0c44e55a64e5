import { AwsCallError, RetryExhaustedError } from './errors.js';
import { retrying, type RetryPolicy } from '../net/index.js';

/**
 * Error names AWS services use for "slow down". Matched on the error's name (the `__type` of an
 * AWS JSON error, the `<Code>` of an S3 one), never on its message text.
 */
const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);

/** Server-side errors that a later attempt usually gets past. */
const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Connection-level failures (by Node's error code) worth another attempt; a refused connection is not one. */
const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'UND_ERR_SOCKET']);

export type ErrorKind = 'throttling' | 'transient' | 'fatal';

/** Sorts an error from an AWS SDK call into throttling, transient or fatal, by its name, status or code. */
function classifyAwsError(error: unknown): ErrorKind {
  if (!(error instanceof Error)) return 'fatal';
  if (THROTTLING_ERROR_NAMES.has(error.name)) return 'throttling';
  if (TRANSIENT_ERROR_NAMES.has(error.name)) return 'transient';
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === 429) return 'throttling';
  if (status !== undefined && status >= 500) return 'transient';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return 'transient';
  return 'fatal';
}

/** Exponential backoff with full jitter: attempt n waits a uniform random time in [0, min(cap, base·2ⁿ)). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  /** attempts in all, the first one included */
  readonly maxAttempts: number;
}

const asRetryPolicy = (policy: BackoffPolicy): RetryPolicy => ({ attempts: policy.maxAttempts, baseMs: policy.baseMs, maxMs: policy.capMs });

/** The record one retried call keeps, so a caller (and a test) can see what happened. */
interface RetryRecord {
  readonly operation: string;
  attempts: number;
  throttled: number;
  transient: number;
}

export interface RetryOptions {
  readonly policy: BackoffPolicy;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  /** told before each wait, e.g. to log `ECR DescribeImages throttled; retry 2/8 in 1.3s` */
  readonly onRetry?: (event: { operation: string; kind: ErrorKind; errorName: string; attempt: number; waitMs: number }) => void;
}

/**
 * Runs `call` until it succeeds, retrying throttling and transient errors with backoff and jitter.
 * The call is a closure over an immutable request, so every attempt sends exactly the same input
 * (StartBuild keeps its idempotency token). A fatal error is wrapped in AwsCallError at once;
 * running out of attempts raises RetryExhaustedError. Aborting the signal interrupts the wait.
 */
export async function callWithRetry<T>(operation: string, call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const record: RetryRecord = { operation, attempts: 0, throttled: 0, transient: 0 };
  const errorNameOf = (error: unknown) => (error instanceof Error ? error.name : 'Error');
  try {
    return await retrying(
      () => {
        record.attempts += 1;
        return call();
      },
      {
        policy: asRetryPolicy(options.policy),
        jitter: 'full',
        ...(options.random ? { random: options.random } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        isRetryable: (error) => {
          const kind = classifyAwsError(error);
          if (kind === 'throttling') record.throttled += 1;
          else if (kind === 'transient') record.transient += 1;
          return kind !== 'fatal';
        },
        onRetry: ({ error, attempt, waitMs }) =>
          options.onRetry?.({ operation, kind: classifyAwsError(error), errorName: errorNameOf(error), attempt, waitMs }),
      },
    );
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (classifyAwsError(error) === 'fatal') throw toAwsCallError(operation, error);
    const errorName = errorNameOf(error);
    throw new RetryExhaustedError(
      operation,
      errorName,
      `${operation} still failed with ${errorName} after ${record.attempts} attempts ` +
        `(${record.throttled} throttled, ${record.transient} transient); try again later or raise the account's API limits.`,
      { cause: error },
    );
  }
}

/** Wraps an SDK error with the operation it came from; AwsCallErrors pass through. */
function toAwsCallError(operation: string, error: unknown): Error {
  if (error instanceof AwsCallError) return error;
  if (!(error instanceof Error)) return new AwsCallError(operation, 'Error', `${operation} failed: ${String(error)}`);
  const hint = error.name === 'AccessDeniedException' || error.name === 'AccessDenied' || error.name === 'UnauthorizedOperation'
    ? '; the role needs the permission listed in the build-image IAM policy'
    : '';
  return new AwsCallError(operation, error.name, `${operation} failed: ${error.name}: ${error.message}${hint}.`, { cause: error });
}
