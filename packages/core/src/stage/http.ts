import { RetryableError, SourceAccessError, SourceNotFoundError, StageError } from './errors.js';

/** Milliseconds a 429/503 asks us to wait: `Retry-After` (seconds or date) or `RateLimit: …;t=N`. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const rateLimit = headers.get('ratelimit');
  const reset = rateLimit ? /(?:^|[;,\s])t=(\d+)/.exec(rateLimit) : null;
  if (reset) return Number(reset[1]) * 1000;
  return undefined;
}

/** A URL safe to print: no query string (signed CDN URLs carry credentials there), no user info. */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

/**
 * Turns a failed HTTP answer into a typed error: 429/5xx retryable, Hugging Face's X-Error-Code
 * (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound) and 401/403 into messages that say
 * what to do.
 */
export function httpError(response: Response, what: string, context: { repo?: string; endpoint?: string; hasToken?: boolean } = {}): StageError {
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
