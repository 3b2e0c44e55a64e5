/** Something with HTTP headers: a fetch `Headers`, or a lookup function over a plain object. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/**
 * Milliseconds a 429/503 asks a client to wait: `Retry-After` (delta-seconds or an HTTP date, RFC 9110
 * §10.2.3) or the draft `RateLimit: …;t=N` reset; undefined when the answer says neither.
 */
export function retryAfterMs(headers: HeaderSource, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.ceil(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const rateLimit = headers.get('ratelimit');
  const reset = rateLimit ? /(?:^|[;,\s])t=(\d+)/.exec(rateLimit) : null;
  if (reset) return Number(reset[1]) * 1000;
  return undefined;
}
