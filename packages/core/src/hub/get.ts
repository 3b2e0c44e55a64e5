import type { HubConnection } from './connection.js';
import { DEFAULT_RETRY, guardedFetch, isStall, retryAfterMs, retrying, type HttpAnswer, type RetryEvent, type RetryPolicy } from '../net/index.js';

export interface HubGetOptions {
  /** no byte for this long fails an attempt (retried, the call ending within twice this) */
  readonly timeoutMs: number;
  readonly retry?: RetryPolicy;
  readonly onRetry?: (event: RetryEvent) => void;
  /** ends the request and its retries (a caller's deadline) */
  readonly signal?: AbortSignal;
  /** a signal for each request (a caller bounding its requests, such as the plan's Hub lookups, passes one) */
  readonly requestSignal?: () => AbortSignal;
}

/** The Hub's answer, read whole: the caller decides what its status means. */
export interface HubAnswer {
  readonly status: number;
  readonly headers: HttpAnswer['headers'];
  readonly text: string;
}

/** 429 or a 5xx the server may get over: answered again after its Retry-After, or backoff. */
class HubBusy extends Error {
  constructor(
    readonly answer: HubAnswer,
    readonly waitMs: number | undefined,
  ) {
    super(`HTTP ${answer.status}`);
  }
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT']);

function isRetryableHubFailure(error: unknown): boolean {
  if (error instanceof HubBusy || isStall(error)) return true;
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | undefined)?.cause?.code ?? (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * GET of a small Hub document (JSON, config.json): the net/ rules (redirects checked, never https →
 * http, an idle timeout), the token only to the Hub's origin, and 429/5xx and dropped connections
 * retried after Retry-After or backoff. The last answer is returned whatever its status; a request
 * that never got one throws.
 */
export async function hubGet(hub: HubConnection, url: string, options: HubGetOptions): Promise<HubAnswer> {
  try {
    return await retrying(
      async (_attempt, signal) => {
        const signals = [signal, options.signal, options.requestSignal?.()].filter((one): one is AbortSignal => one !== undefined);
        const answer = await guardedFetch(url, {
          headers: (target) => ({ accept: 'application/json', ...hub.authorization(target) }),
          idleTimeoutMs: options.timeoutMs,
          ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals) } : {}),
        });
        const { status, headers } = answer.response;
        const read: HubAnswer = { status, headers, text: await answer.text() };
        if (status === 429 || (status >= 500 && status !== 501 && status !== 507)) throw new HubBusy(read, retryAfterMs(headers));
        return read;
      },
      {
        policy: options.retry ?? DEFAULT_RETRY,
        isRetryable: isRetryableHubFailure,
        serverWaitMs: (error) => (error instanceof HubBusy ? error.waitMs : undefined),
        stallWindowMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onRetry ? { onRetry: options.onRetry } : {}),
      },
    );
  } catch (error) {
    if (error instanceof HubBusy) return error.answer;
    throw error;
  }
}
