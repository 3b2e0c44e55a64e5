import { request as plainRequest, type IncomingMessage } from 'node:http';
import { request as tlsRequest } from 'node:https';
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
  /** ends the request (a caller's deadline, the plan's bound on its Hub lookups) */
  readonly signal?: AbortSignal;
  /** hops to follow; default 5 */
  readonly maxRedirects?: number;
}

/**
 * What callers read of an answer's head. A plain object, not fetch's Response or Headers: those load
 * Node's bundled undici (about 12 MiB of resident memory, measured) into a stager that otherwise never
 * touches it.
 */
export interface HttpAnswer {
  readonly status: number;
  /** 2xx */
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
}

export interface GuardedResponse {
  readonly response: HttpAnswer;
  /** where the answer came from after the redirects */
  readonly url: string;
  /** the body chunk by chunk, the idle timer reset by each; ends the request when left early */
  chunks(): AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** drops the body */
  discard(): Promise<void>;
}

/**
 * An HTTP request with the data path's rules: redirects followed by hand, each checked (never https →
 * http, http only to loopback hosts), `Accept-Encoding: identity` and a refused Content-Encoding, and
 * an idle timeout over the whole exchange instead of a hang. Over node:http(s), not fetch: a model's
 * bytes pass through here: the socket pauses while the reader is busy and the body arrives as Buffers
 * straight from it, where fetch's web streams cost ~65 % more CPU and buffered tens of MiB per 543 MiB
 * read (docs/staging.md).
 */
export async function guardedFetch(url: string, options: GuardedFetchOptions): Promise<GuardedResponse> {
  let target = new URL(url);
  const maxRedirects = options.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    const what = `${options.method ?? 'GET'} ${printableUrl(target.toString())}`;
    const timer = new IdleTimer(what, options.idleTimeoutMs);
    const signal = options.signal ? AbortSignal.any([timer.signal, options.signal]) : timer.signal;
    let body: IncomingMessage;
    try {
      body = await send(target, options.method ?? 'GET', { ...(options.headers?.(target) ?? {}), 'accept-encoding': 'identity' }, signal);
    } catch (error) {
      timer.stop();
      throw timer.signal.aborted ? timer.signal.reason : error;
    }
    timer.touch();
    const response = answerOf(body);
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      const location = response.headers.get('location');
      timer.stop();
      drop(body);
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
      drop(body);
      throw new ContentEncodingError(`${what} answered with Content-Encoding '${encoding.slice(0, 40)}'; only uncompressed bodies are accepted (the size and checksums must describe the bytes on the wire)`);
    }
    return wrap(response, body, target.toString(), timer);
  }
}

/** One request; resolves once the status line and headers are in. */
function send(target: URL, method: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const request = (target.protocol === 'https:' ? tlsRequest : plainRequest)(target, { method, headers, signal }, resolve);
    request.once('error', reject);
    request.end();
  });
}

function answerOf(message: IncomingMessage): HttpAnswer {
  const status = message.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      // node joins repeated headers with ', ' as fetch's Headers does (set-cookie comes as a list)
      get(name) {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
}

/**
 * Lets go of an answer. A socket left mid-answer cannot carry the next request, so it goes; one whose
 * answer arrived whole (a redirect's empty body) is drained, or it would stay busy and keep the
 * process alive.
 */
function drop(message: IncomingMessage): void {
  if (message.complete) message.resume();
  else message.destroy();
}

function wrap(response: HttpAnswer, body: IncomingMessage, url: string, timer: IdleTimer): GuardedResponse {
  async function* chunks(): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        timer.touch();
        yield chunk;
      }
      // a connection closed before Content-Length was reached ends the stream without an error
      if (!body.complete) throw Object.assign(new Error(`${printableUrl(url)}: the connection closed before the whole body arrived`), { code: 'ECONNRESET' });
    } catch (error) {
      throw timer.signal.aborted ? timer.signal.reason : error;
    } finally {
      timer.stop();
      drop(body);
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
      drop(body);
    },
  };
}
