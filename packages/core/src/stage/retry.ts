import { RetryableError } from './errors.js';
import { DEFAULT_RETRY, retrying, StallError, type RetryEvent, type RetryPolicy } from '../net/index.js';

export { backoffMs, DEFAULT_RETRY, type RetryPolicy } from '../net/index.js';

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const RETRYABLE_S3 = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed', 'ThrottlingException', 'TooManyRequests', 'BadDigest', 'XAmzContentSHA256Mismatch', 'IncompleteBody']);

/** True for failures a retry can fix: dropped or refused connections, stalls, throttling, 5xx, truncated bodies. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetryableError || error instanceof StallError) return true;
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; name: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; cause?: unknown };
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  if (RETRYABLE_S3.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  // 501: the server lacks the call (s3rver has no multipart listing); asking again cannot help
  if (e.name === 'NotImplemented' || status === 501) return false;
  // 507: the store is out of space; it will not have more in a second
  if (status === 507 || e.name === 'InsufficientStorage' || e.name === 'EntityTooLarge') return false;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.$retryable) return true;
  if (e.name === 'TimeoutError' || (e.name === 'AbortError' && !('aborted' in e))) return true;
  if (/socket hang up|terminated|other side closed|premature|ECONNRESET|fetch failed/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isRetryable(e.cause);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StageRetryOptions {
  policy?: RetryPolicy;
  /** sees every failure before its wait: `attempt` counts from 0 for the first failure */
  onRetry?: (error: unknown, attempt: number, waitMs: number, event: RetryEvent) => void;
  /** see RetryOptions.stallWindowMs: the idle timeout, so a stalled call ends within twice it */
  stallWindowMs?: number;
}

/**
 * Runs `work` until it succeeds, a non-retryable error, or the attempts run out. Each retry waits the
 * server's Retry-After when given, else exponential backoff with jitter. `work` gets a signal that the
 * stall window aborts; pass it to the request.
 */
export async function withRetry<T>(work: (attempt: number, signal?: AbortSignal) => Promise<T>, options: StageRetryOptions = {}): Promise<T> {
  return retrying(work, {
    policy: options.policy ?? DEFAULT_RETRY,
    isRetryable,
    serverWaitMs: (error) => (error instanceof RetryableError ? error.retryAfterMs : undefined),
    ...(options.stallWindowMs !== undefined ? { stallWindowMs: options.stallWindowMs } : {}),
    ...(options.onRetry ? { onRetry: (event: RetryEvent) => options.onRetry!(event.error, event.attempt - 1, event.waitMs, event) } : {}),
  });
}
