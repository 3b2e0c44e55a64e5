import { droppedChunks } from './dropped-chunks.js';
import { IntegrityError, RetryableError } from './errors.js';
import { explainHttpFailure } from './http.js';
import { backoffMs, DEFAULT_RETRY, isRetryable, sleep, type RetryPolicy } from './retry.js';
import { DEFAULT_TIMEOUT_MS } from './s3.js';
import type { ResolvedSource, SourceFile } from './types.js';
import { formatSeconds, isStall, stallWindowEnd } from '../net/index.js';

/**
 * The bytes of one file from `start` to its end, surviving dropped connections and truncated
 * bodies: on a retryable failure the source is reopened at the first byte not yet delivered
 * (HTTP Range), so a reset costs only the bytes in flight. After a stall the file gets
 * `stallWindowMs` more in all, so a source that went silent ends the read within twice its timeout.
 */
export async function* resilientChunks(
  source: ResolvedSource,
  file: SourceFile,
  start: number,
  options: { policy?: RetryPolicy; onRetry?: (message: string) => void; signal?: AbortSignal; stallWindowMs?: number } = {},
): AsyncIterable<Uint8Array> {
  const policy = options.policy ?? DEFAULT_RETRY;
  let offset = start;
  let attempt = 0;
  let stallDeadline: number | undefined;
  let lastStall: unknown;
  while (offset < file.size) {
    const window = stallDeadline !== undefined ? AbortSignal.timeout(Math.max(1, stallDeadline - Date.now())) : undefined;
    const signal = window && options.signal ? AbortSignal.any([window, options.signal]) : (window ?? options.signal);
    const attemptStarted = Date.now();
    try {
      const chunks = await source.open(file, offset, signal);
      for await (const chunk of chunks) {
        if (offset + chunk.length > file.size) throw new IntegrityError(`${file.path}: the source sent more than the ${file.size} bytes it listed`);
        offset += chunk.length;
        attempt = 0;
        yield chunk;
        // the consumer asks for the next chunk only once it has copied this one out
        droppedChunks(chunk.length);
      }
      if (offset < file.size) throw new RetryableError(`${file.path}: the source ended at byte ${offset} of ${file.size}`);
    } catch (caught) {
      const error = window?.aborted ? lastStall : caught;
      if (options.signal?.aborted) throw options.signal.reason;
      if (isStall(error) && options.stallWindowMs !== undefined) {
        lastStall = error;
        stallDeadline ??= stallWindowEnd(attemptStarted, options.stallWindowMs);
      }
      const giveUp = (): Error =>
        explainHttpFailure(error, {
          where: `the source (${source.description})`,
          operation: `reading ${file.path}`,
          attempts: attempt,
          timeoutMs: options.stallWindowMs ?? DEFAULT_TIMEOUT_MS,
          advice: 'check the network and the source, then run again: what is staged so far is kept',
        });
      attempt++;
      if (!isRetryable(error) || attempt >= policy.attempts) throw giveUp();
      const serverWait = error instanceof RetryableError ? error.retryAfterMs : undefined;
      let wait = serverWait !== undefined ? Math.min(serverWait, 120_000) : backoffMs(attempt - 1, policy);
      if (stallDeadline !== undefined) {
        const left = stallDeadline - Date.now();
        if (left <= wait + 50) throw giveUp();
        wait = Math.min(wait, left);
      }
      options.onRetry?.(`${file.path}: ${(error as Error).message}; resuming at byte ${offset}, retry ${attempt}/${policy.attempts - 1} in ${formatSeconds(wait)}`);
      await sleep(wait);
    }
  }
}
