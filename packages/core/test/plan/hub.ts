import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HubModel {
  readonly config: unknown;
  readonly commit: string;
  /** path and size; `lfs` files are listed with an lfs record, as the Hub lists weights */
  readonly files: readonly { path: string; size: number; lfs?: boolean }[];
  readonly gated?: boolean;
}

/**
 * The Hugging Face Hub REST calls a plan makes, on loopback: `/{repo}/resolve/{rev}/config.json`
 * (fit), `/api/models/{repo}/revision/{rev}` (the commit) and `/api/models/{repo}/tree/{rev}` in two
 * pages linked by `Link: rel="next"` (sizes), with X-Error-Code answers for gated and unknown repos.
 */
export class PlanHub {
  private server!: Server;
  endpoint = '';
  requests = 0;
  /** requests being answered right now, and the most there ever were */
  inFlight = 0;
  maxInFlight = 0;
  /** answer each request after this many milliseconds (a distant Hub) */
  delayMs = 0;
  /** accept requests and never answer them (a Hub that hangs) */
  stall = false;

  constructor(readonly models: Readonly<Record<string, HubModel>>) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.on('close', () => (this.inFlight -= 1));
      if (this.stall) return;
      if (this.delayMs > 0) {
        setTimeout(() => this.answer(req, res), this.delayMs);
        return;
      }
      this.answer(req, res);
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, 'http://hub');
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repo = api?.[1] ?? resolve?.[1];
    const model = repo === undefined ? undefined : this.models[repo];
    if (!model) return error(res, 404, 'RepoNotFound');
    if (model.gated) return error(res, 401, 'GatedRepo');
    if (resolve) return resolve[3] === 'config.json' ? json(res, model.config) : error(res, 404, 'EntryNotFound');
    if (api![2] === 'revision') return json(res, { id: repo, sha: model.commit });
    const listing = model.files.map((file) => ({ type: 'file', path: file.path, size: file.lfs ? 134 : file.size, ...(file.lfs ? { lfs: { oid: 'f'.repeat(64), size: file.size } } : {}) }));
    const half = Math.ceil(listing.length / 2);
    if (url.searchParams.get('cursor') === '2') return json(res, listing.slice(half));
    return json(res, listing.slice(0, half), { link: `<${this.endpoint}${url.pathname}?recursive=true&cursor=2>; rel="next"` });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((ok) => this.server.close(ok));
  }
}

function json(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-error-code': code });
  res.end(JSON.stringify({ error: code }));
}
