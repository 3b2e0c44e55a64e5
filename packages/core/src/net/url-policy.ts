import { UsageError } from '../errors/index.js';

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http:// may name (local test servers). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A URL the data path may fetch: https anywhere, http only on a loopback host. */
export function isAllowedUrl(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** A URL given by a person or a catalog entry, checked before anything is fetched: a usage error names `what`. */
export function requireAllowedUrl(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${what} '${printableUrl(text)}' is not a URL`);
  }
  if (!isAllowedUrl(url)) {
    throw new UsageError(`${what} must be an https:// URL (http:// only for a loopback host such as 127.0.0.1), not '${printableUrl(text)}'`);
  }
  return url;
}

/** A URL safe to print: no query string (signed CDN URLs carry credentials there), no user info, no control characters. */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
