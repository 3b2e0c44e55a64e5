import { printableUrl, requireAllowedUrl } from '../net/index.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HubConnectionOptions {
  /** Hub base URL; default HF_ENDPOINT or https://huggingface.co */
  readonly endpoint?: string;
  /** default HF_TOKEN; never printed */
  readonly token?: string;
}

/** Where the Hub is and how to authenticate to it: the one place the stager and the fit check learn both. */
export interface HubConnection {
  /** the base URL, without a trailing slash */
  readonly endpoint: string;
  readonly token?: string;
  /** `the Hugging Face Hub at <endpoint>`, for messages */
  readonly description: string;
  /** the Authorization header for a request to `url`: only to the Hub's own origin, never to the CDN host it redirects to */
  authorization(url: URL): Record<string, string>;
}

/** The Hub of the options or the environment; an endpoint that is not https (or http to a loopback host) is a usage error. */
export function hubConnection(options: HubConnectionOptions = {}): HubConnection {
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  const origin = requireAllowedUrl(endpoint, 'the Hugging Face endpoint (HF_ENDPOINT)').origin;
  const token = (options.token ?? process.env.HF_TOKEN) || undefined;
  return {
    endpoint,
    ...(token !== undefined ? { token } : {}),
    description: `the Hugging Face Hub at ${printableUrl(endpoint).replace(/\/$/, '')}`,
    authorization: (url): Record<string, string> => (token !== undefined && url.origin === origin ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** A `Link: <…>; rel="next"` header's target (the Hub's paginated listings), resolved against `base`. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return new URL(match[1]!, base).toString();
  }
  return undefined;
}
