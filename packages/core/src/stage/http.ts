import { RetryableError, SourceAccessError, SourceNotFoundError, StageError } from './errors.js';
import { networkCause } from './s3-errors.js';
import { formatSeconds, isStall, retryAfterMs, type AnswerHead } from '../net/index.js';

export { printableUrl, retryAfterMs } from '../net/index.js';

/**
 * Turns a failed HTTP answer into a typed error: 429/5xx retryable, Hugging Face's X-Error-Code
 * (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound) and 401/403 into messages that say
 * what to do.
 */
export function httpError(response: AnswerHead, what: string, context: { repo?: string; endpoint?: string; hasToken?: boolean } = {}): StageError {
  const status = response.status;
  const code = response.headers.get('x-error-code') ?? '';
  const where = `${what} (HTTP ${status}${code ? ` ${code}` : ''})`;
  const repoPage = context.repo && context.endpoint ? `${context.endpoint.replace(/\/$/, '')}/${context.repo}` : 'the repository page';
  if (status === 429 || status >= 500) return new RetryableError(`${where}: the server is throttling or failing; retrying`, retryAfterMs(response.headers));
  if (code === 'GatedRepo') {
    return new SourceAccessError(
      context.hasToken
        ? `${where}: the repository is gated and HF_TOKEN's account has no access yet; accept the conditions at ${repoPage} with that account`
        : `${where}: the repository is gated; accept its conditions at ${repoPage}, then set HF_TOKEN to a token of that account`,
    );
  }
  if (code === 'RepoNotFound') {
    return new SourceNotFoundError(
      `${where}: no such repository${context.hasToken ? '' : ' (or it is private: set HF_TOKEN)'}; check the name${context.repo ? ` '${context.repo}'` : ''}`,
    );
  }
  if (code === 'RevisionNotFound') return new SourceNotFoundError(`${where}: no such branch, tag or commit; check the revision`);
  if (code === 'EntryNotFound' || status === 404) return new SourceNotFoundError(`${where}: not found at the source`);
  if (status === 401 || status === 403) {
    return new SourceAccessError(
      context.hasToken ? `${where}: HF_TOKEN was refused; check that it is valid and has read access` : `${where}: access denied; set HF_TOKEN to a token with read access`,
    );
  }
  return new StageError(`${where}: unexpected answer from the source`);
}

/** Iterates a fetch body as Uint8Array chunks. */
export async function* bodyChunks(response: Response): AsyncIterable<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
    await response.body.cancel().catch(() => undefined);
  }
}

export interface HttpFailure {
  /** the server, e.g. `the Hugging Face Hub at https://huggingface.co` */
  readonly where: string;
  /** what was being done, e.g. `resolving acme/x@main` */
  readonly operation: string;
  readonly attempts: number;
  readonly timeoutMs: number;
  /** what to check when the server cannot be reached */
  readonly advice: string;
}

/** One line for a request that failed for good: typed errors pass through, network failures say what was tried. */
export function explainHttpFailure(error: unknown, failure: HttpFailure): Error {
  if (error instanceof RetryableError) return new StageError(`${error.message.replace(/; retrying$/, '')}; gave up after ${failure.attempts} attempt(s), try again later`, { cause: error });
  if (error instanceof StageError || !(error instanceof Error)) return error instanceof Error ? error : new StageError(String(error));
  if (error.name === 'InsecureRedirectError' || error.name === 'ContentEncodingError' || error.name === 'UsageError') return error;
  const tried = failure.attempts > 1 ? ` (tried ${failure.attempts} times)` : '';
  const network = networkCause(error, failure.timeoutMs);
  if (network) {
    const advice = isStall(error) ? `${failure.advice}, or raise --timeout (now ${formatSeconds(failure.timeoutMs)})` : failure.advice;
    return new StageError(`${failure.operation}: ${failure.where} ${network}${tried}; ${advice}`, { cause: error });
  }
  return new StageError(`${failure.operation}: ${failure.where} failed${tried}: ${error.message.replace(/[\r\n]+/g, ' ').slice(0, 300)}; ${failure.advice}`, { cause: error });
}
