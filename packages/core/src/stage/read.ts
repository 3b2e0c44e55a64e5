import { IntegrityError, RetryableError } from './errors.js';
import { backoffMs, DEFAULT_RETRY, isRetryable, sleep, type RetryPolicy } from './retry.js';
import type { ResolvedSource, SourceFile } from './types.js';

/**
 * The bytes of one file from `start` to its end, surviving dropped connections and truncated
 * bodies: on a retryable failure the source is reopened at the first byte not yet delivered
 * (HTTP Range), so a reset costs only the bytes in flight.
 */
export async function* resilientChunks(
  source: ResolvedSource,
  file: SourceFile,
  start: number,
  options: { policy?: RetryPolicy; onRetry?: (message: string) => void; signal?: AbortSignal } = {},
): AsyncIterable<Uint8Array> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let offset = start;
  let attempt = 0;
  while (offset < file.size) {
    try {
      const chunks = await source.open(file, offset, options.signal);
      for await (const chunk of chunks) {
        if (offset + chunk.length > file.size) throw new IntegrityError(`${file.path}: the source sent more than the ${file.size} bytes it listed`);
        offset += chunk.length;
        attempt = 0;
        yield chunk;
      }
      if (offset < file.size) throw new RetryableError(`${file.path}: the source ended at byte ${offset} of ${file.size}`);
    } catch (error) {
      if (!isRetryable(error) || ++attempt >= policy.attempts) throw error;
      const wait = error instanceof RetryableError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(attempt, policy);
      options.onRetry?.(`${file.path}: ${(error as Error).message}; resuming at byte ${offset} in ${wait} ms`);
      await sleep(wait);
    }
  }
}
