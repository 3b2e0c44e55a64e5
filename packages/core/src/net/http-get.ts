import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
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
  /**
   * default node:http(s): its body arrives as Buffers straight from the socket and the socket pauses while
   * the reader is busy, where fetch's web streams buffered tens of MiB and doubled the GC work of a
   * model download (docs/staging.md). A caller that bounds its requests (the plan's Hub lookups) passes
   * its own fetch.
   */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * What callers read of an answer's head. fetch's Response has it; the node:http transport builds a plain
 * one, because a Response or Headers would load Node's bundled undici (about 12 MiB of resident memory,
 * measured) into a stager that otherwise never touches it.
 */
export interface AnswerHead {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
}

export interface GuardedResponse {
  readonly response: AnswerHead;
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
    const headers = { ...(options.headers?.(target) ?? {}), 'accept-encoding': 'identity' };
    let response: AnswerHead;
    let body: BodySource;
    try {
      if (options.fetch) {
        const fetched = await options.fetch(target, { method: options.method ?? 'GET', headers, redirect: 'manual', signal });
        response = fetched;
        body = webBody(fetched);
      } else {
        ({ response, body } = await nodeRequest(target, options.method ?? 'GET', headers, signal));
      }
    } catch (error) {
      timer.stop();
      throw timer.signal.aborted ? timer.signal.reason : error;
    }
    timer.touch();
    if (response.status >= 300 && response.status < 400 && response.status !== 304) {
      const location = response.headers.get('location');
      timer.stop();
      await body.cancel();
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
      await body.cancel();
      throw new ContentEncodingError(`${what} answered with Content-Encoding '${encoding.slice(0, 40)}'; only uncompressed bodies are accepted (the size and checksums must describe the bytes on the wire)`);
    }
    return wrap(response, body, target.toString(), timer);
  }
}

/** An answer's body, whichever transport carried it. */
interface BodySource {
  /** the bytes as they arrive; throws what broke the transfer */
  chunks(): AsyncIterable<Uint8Array>;
  /** drops the rest of the body (and a node:http socket it left mid-answer) */
  cancel(): Promise<void>;
}

function webBody(response: Response): BodySource {
  return {
    async *chunks() {
      if (!response.body) return;
      const reader = response.body.getReader();
      try {
        for (;;) {
          const step = await reader.read();
          if (step.done) return;
          yield step.value;
        }
      } finally {
        reader.releaseLock();
      }
    },
    cancel: () => (response.body?.cancel() ?? Promise.resolve()).catch(() => undefined),
  };
}

/** One request over node:http(s) (the global agent keeps connections alive). */
function nodeRequest(
  target: URL,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<{ response: AnswerHead; body: BodySource }> {
  return new Promise((resolve, reject) => {
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(target, { method, headers, signal }, (message: IncomingMessage) => {
      const status = message.statusCode ?? 0;
      if (status < 200 || status > 599) {
        message.destroy();
        reject(new Error(`${method} ${printableUrl(target.toString())} answered HTTP ${status}`));
        return;
      }
      const drop = () => {
        // a socket left mid-answer cannot carry the next request: it goes. One whose answer arrived whole
        // (a redirect's empty body) is drained, or it would stay busy and keep the process alive
        if (message.complete) message.resume();
        else message.destroy();
      };
      resolve({
        response: {
          status,
          statusText: message.statusMessage ?? '',
          ok: status >= 200 && status < 300,
          headers: {
            // node joins repeated headers with ', ' as fetch's Headers does (set-cookie comes as a list)
            get(name) {
              const value = message.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
            },
          },
        },
        body: {
          async *chunks() {
            try {
              for await (const chunk of message) yield chunk as Buffer;
            } finally {
              drop();
            }
          },
          cancel: async () => drop(),
        },
      });
    });
    request.on('error', reject);
    request.end();
  });
}

function wrap(response: AnswerHead, body: BodySource, url: string, timer: IdleTimer): GuardedResponse {
  async function* chunks(): AsyncIterable<Uint8Array> {
    try {
      for await (const chunk of body.chunks()) {
        timer.touch();
        yield chunk;
      }
    } catch (error) {
      throw timer.signal.aborted ? timer.signal.reason : error;
    } finally {
      timer.stop();
      await body.cancel();
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
      await body.cancel();
    },
  };
}
