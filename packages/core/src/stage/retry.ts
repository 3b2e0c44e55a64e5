import { RetryableError } from './errors.js';

export interface RetryPolicy {
  readonly attempts: number;
  /** first backoff, doubled per attempt, with full jitter */
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 200, maxMs: 20_000 };

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RETRYABLE_S3 = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'RequestTimeTooSkewed', 'ThrottlingException', 'TooManyRequests', 'BadDigest', 'XAmzContentSHA256Mismatch', 'IncompleteBody']);

/** True for failures a retry can fix: dropped connections, throttling, 5xx, truncated bodies. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RetryableError) return true;
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string; name: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown; cause?: unknown };
  if (e.code && RETRYABLE_CODES.has(e.code)) return true;
  if (RETRYABLE_S3.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  // 501: the server lacks the call (s3rver has no multipart listing); asking again cannot help
  if (e.name === 'NotImplemented' || status === 501) return false;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.$retryable) return true;
  if (e.name === 'TimeoutError' || e.name === 'AbortError' && !('aborted' in e)) return true;
  if (/socket hang up|terminated|other side closed|premature|ECONNRESET|fetch failed/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isRetryable(e.cause);
}

export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return Math.floor(cap / 2 + (random() * cap) / 2);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, a non-retryable error, or the attempts run out. Each retry waits the
 * server's Retry-After when given, else exponential backoff with jitter. `onRetry` sees every failure.
 */
export async function withRetry<T>(
  work: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; onRetry?: (error: unknown, attempt: number, waitMs: number) => void } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= policy.attempts) throw error;
      const serverWait = error instanceof RetryableError ? error.retryAfterMs : undefined;
      const wait = serverWait !== undefined ? Math.min(serverWait, 120_000) : backoffMs(attempt, policy);
      options.onRetry?.(error, attempt, wait);
      await sleep(wait);
    }
  }
}
