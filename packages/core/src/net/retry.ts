import { setTimeout as delay } from 'node:timers/promises';
import { isStall } from './stall.js';

/** How often and how patiently a call is retried. */
export interface RetryPolicy {
  /** attempts in all, the first one included */
  readonly attempts: number;
  /** first backoff, doubled per attempt */
  readonly baseMs: number;
  /** the longest backoff */
  readonly maxMs: number;
}

/** What the staging data path uses: 8 attempts, 200 ms doubling to 20 s, so a dead endpoint is reported in about 20 s. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseMs: 200, maxMs: 20_000 };

export type Jitter = 'equal' | 'full';

/**
 * Exponential backoff with jitter for retry number `attempt` (0 = the wait after the first failure):
 * `equal` waits between half and all of min(max, base·2ⁿ), `full` between zero and all of it.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random, jitter: Jitter = 'equal'): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return jitter === 'full' ? Math.floor(random() * cap) : Math.floor(cap / 2 + (random() * cap) / 2);
}

export interface RetryEvent {
  readonly error: unknown;
  /** the attempt that failed, from 1 */
  readonly attempt: number;
  /** attempts the policy allows */
  readonly attempts: number;
  readonly waitMs: number;
}

export interface RetryOptions {
  readonly policy: RetryPolicy;
  /** which failures another attempt can fix */
  readonly isRetryable: (error: unknown) => boolean;
  /** a server-given wait (Retry-After), capped at 2 minutes; backoff otherwise */
  readonly serverWaitMs?: (error: unknown) => number | undefined;
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * After the first stall (see isStall), the call gets this many ms more in all, its retries included,
   * so a peer that accepts connections and never answers ends the call within twice the idle timeout.
   */
  readonly stallWindowMs?: number;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
  readonly jitter?: Jitter;
}

/**
 * Runs `work` until it succeeds, fails for good, or the attempts (or the stall window) run out; the
 * last error is thrown as it was. `work` gets the attempt number and a signal to pass on to the
 * request: it aborts with the stall error when the stall window closes.
 */
export async function retrying<T>(work: (attempt: number, signal: AbortSignal | undefined) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy } = options;
  let stallDeadline: number | undefined;
  let lastStall: unknown;
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let windowSignal: AbortSignal | undefined;
    let windowTimer: NodeJS.Timeout | undefined;
    if (stallDeadline !== undefined) {
      const controller = new AbortController();
      windowTimer = setTimeout(() => controller.abort(lastStall), Math.max(0, stallDeadline - Date.now()));
      windowSignal = controller.signal;
    }
    const signal = windowSignal && options.signal ? AbortSignal.any([windowSignal, options.signal]) : (windowSignal ?? options.signal);
    const attemptStarted = Date.now();
    try {
      return await work(attempt, signal);
    } catch (caught) {
      // an abort by the stall window is the stall itself, not a new kind of failure
      const error = windowSignal?.aborted ? lastStall : caught;
      if (options.signal?.aborted) throw options.signal.reason;
      if (isStall(error) && options.stallWindowMs !== undefined) {
        lastStall = error;
        stallDeadline ??= stallWindowEnd(attemptStarted, options.stallWindowMs);
      }
      if (!options.isRetryable(error) || attempt + 1 >= policy.attempts) throw error;
      const serverWait = options.serverWaitMs?.(error);
      let waitMs = serverWait !== undefined ? Math.min(serverWait, 120_000) : backoffMs(attempt, policy, options.random, options.jitter);
      if (stallDeadline !== undefined) {
        const left = stallDeadline - Date.now();
        if (left <= waitMs + 50) throw error;
        waitMs = Math.min(waitMs, left);
      }
      options.onRetry?.({ error, attempt: attempt + 1, attempts: policy.attempts, waitMs });
      await delay(waitMs, undefined, options.signal ? { signal: options.signal } : {});
    } finally {
      if (windowTimer) clearTimeout(windowTimer);
    }
  }
}

/**
 * When a call that just stalled must be over: twice the idle timeout after its attempt began when it
 * stalled at once (a peer that never answers), else one idle timeout from now.
 */
export function stallWindowEnd(attemptStarted: number, windowMs: number, now = Date.now()): number {
  return now - attemptStarted <= windowMs + 1000 ? attemptStarted + 2 * windowMs : now + windowMs;
}
