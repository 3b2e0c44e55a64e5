import { IdleTimer } from './stall.js';
import { isAllowedUrl, printableUrl } from './url-policy.js';
import { RayGitopsError } from '../errors/index.js';

/** A redirect that leaves https, or goes to a scheme or host the data path may not fetch. */
export class InsecureRedirectError extends RayGitopsError {}

/** The server compressed the body (Content-Encoding other than identity): refused, so a few MB on the wire never become GiB to hash. */
export class ContentEncodingError extends RayGitopsError {}

export interface GuardedFetchOptions {
  readonly method?: 'GET' | 'HEAD';
  /** headers for each hop, by its URL: credentials go only to the origin that should see them */
  readonly headers?: (url: URL) => Record<string, string>;
  /** no byte for this long (waiting for the answer, or between body chunks) aborts with a StallError */
  readonly idleTimeoutMs: number;
  readonly signal?: AbortSignal;
  /** hops to follow; default 5 */
  readonly maxRedirects?: number;
  /** default the global fetch; a caller that bounds its requests (the plan's Hub lookups) passes its own */
  readonly fetch?: typeof globalThis.fetch;
}

export interface GuardedResponse {
  readonly response: Response;
  /** where the answer came from after the redirects */
  readonly url: string;
  /** the body chunk by chunk, the idle timer reset by each; ends the request when left early */
  chunks(): AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** drops the body */
  discard(): Promise<void>;
}

/**
 * fetch with the data path's rules: redirects followed by hand, each checked (never https → http,
 * http only to loopback hosts), `Accept-Encoding: identity` and a refused Content-Encoding, and an
 * idle timeout over the whole exchange instead of a hang.
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<GuardedResponse> {
  let target = new URL(url);
  const maxRedirects = options.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    const what = `${options.method ?? 'GET'} ${printableUrl(target.toString())}`;
    const timer = new IdleTimer(what, options.idleTimeoutMs);
    const signal = options.signal ? AbortSignal.any([timer.signal, options.signal]) : timer.signal;
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(target, {
        method: options.method ?? 'GET',
        headers: { ...(options.headers?.(target) ?? {}), 'accept-encoding': 'identity' },
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      timer.stop();
      throw timer.signal.aborted ? timer.signal.reason : error;
    }
    timer.touch();
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      const location = response.headers.get('location');
      timer.stop();
      await response.body?.cancel().catch(() => undefined);
      if (!location) throw new InsecureRedirectError(`${what} redirected (HTTP ${response.status}) without a Location`);
      const next = new URL(location, target);
      if (target.protocol === 'https:' && next.protocol !== 'https:') {
        throw new InsecureRedirectError(`${what} redirected to ${printableUrl(next.toString())}, leaving https; refusing to follow (an https source must stay https)`);
      }
      if (!isAllowedUrl(next)) throw new InsecureRedirectError(`${what} redirected to ${printableUrl(next.toString())}; only https:// (or http:// on a loopback host) is followed`);
      if (hop >= maxRedirects) throw new InsecureRedirectError(`${printableUrl(url)} redirected more than ${maxRedirects} times`);
      target = next;
      continue;
    }
    const encoding = (response.headers.get('content-encoding') ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity') {
      timer.stop();
      await response.body?.cancel().catch(() => undefined);
      throw new ContentEncodingError(`${what} answered with Content-Encoding '${encoding.slice(0, 40)}'; only uncompressed bodies are accepted (the size and checksums must describe the bytes on the wire)`);
    }
    return wrap(response, target.toString(), timer);
  }
}

function wrap(response: Response, url: string, timer: IdleTimer): GuardedResponse {
  async function* chunks(): AsyncIterable<Uint8Array> {
    if (!response.body) {
      timer.stop();
      return;
    }
    const reader = response.body.getReader();
    try {
      for (;;) {
        let step: Awaited<ReturnType<typeof reader.read>>;
        try {
          step = await reader.read();
        } catch (error) {
          throw timer.signal.aborted ? timer.signal.reason : error;
        }
        if (step.done) return;
        timer.touch();
        yield step.value;
      }
    } finally {
      timer.stop();
      reader.releaseLock();
      await response.body.cancel().catch(() => undefined);
    }
  }
  return {
    response,
    url,
    chunks,
    async text() {
      const parts: Uint8Array[] = [];
      for await (const chunk of chunks()) parts.push(chunk);
      return Buffer.concat(parts).toString('utf8');
    },
    async discard() {
      timer.stop();
      await response.body?.cancel().catch(() => undefined);
    },
  };
}
