import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
  html_url: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
}

/**
 * A GitHub REST API on loopback, shaped as the real one for the calls a PR comment needs:
 * issue comments listed in pages linked by `Link: rel="next"`, POST and PATCH of comments, GET of a
 * pull request; Bearer auth, 401/403/404/422 error bodies with `message`, and the primary rate limit
 * (403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`).
 */
export class FakeGitHub {
  readonly comments: FakeComment[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly pulls = new Map<number, string>();
  /** comments per page when the client asks for more */
  pageSize = 2;
  /** the next this-many requests are answered with the rate limit */
  rateLimited = 0;
  /** a read-only token: writes are refused as GitHub refuses them for fork pull requests */
  readOnly = false;
  /**
   * who the token is: an installation token (GET /user is refused with 403, as GitHub does) writing
   * as `login`, or a user's token, which GET /user names
   */
  identity: { kind: 'installation' | 'user'; login: string } = { kind: 'installation', login: 'github-actions[bot]' };
  private nextId = 1000;
  private server!: Server;
  url = '';

  constructor(
    readonly token: string,
    readonly repo = 'octo-org/ray-gitops',
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** A comment already on the pull request, written by a person or a bot. */
  addComment(body: string, user: FakeComment['user']): FakeComment {
    const comment = { id: this.nextId++, body, user, html_url: '' };
    comment.html_url = `https://github.com/${this.repo}/pull/1#issuecomment-${comment.id}`;
    this.comments.push(comment);
    return comment;
  }

  botComments(marker: string): FakeComment[] {
    return this.comments.filter((comment) => comment.user.type === 'Bot' && comment.body.includes(marker));
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, this.url);
    this.requests.push({ method: req.method!, path: url.pathname });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      // GitHub does not echo credentials, but a client must not rely on that: this one does
      return send(401, { message: `Bad credentials (${req.headers.authorization ?? 'none'})`, documentation_url: 'https://docs.github.com/rest' });
    }
    if (this.rateLimited > 0) {
      this.rateLimited -= 1;
      return send(
        403,
        { message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' },
        { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
      );
    }
    const prefix = `/repos/${this.repo}`;
    const list = new RegExp(`^${prefix}/issues/(\\d+)/comments$`).exec(url.pathname);
    const one = new RegExp(`^${prefix}/issues/comments/(\\d+)$`).exec(url.pathname);
    const pull = new RegExp(`^${prefix}/pulls/(\\d+)$`).exec(url.pathname);
    const known = (number: string) => this.pulls.has(Number(number));
    const notFound = () => send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    const readBody = (): { body?: unknown } => JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { body?: unknown };

    if (url.pathname === '/user' && req.method === 'GET') {
      if (this.identity.kind === 'installation') {
        return send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '403' });
      }
      return send(200, { login: this.identity.login, id: 583231, type: 'User' });
    }
    if (pull && req.method === 'GET') {
      if (!known(pull[1]!)) return notFound();
      return send(200, { number: Number(pull[1]), state: 'open', head: { sha: this.pulls.get(Number(pull[1])), ref: 'feature' } });
    }
    if (list && req.method === 'GET') {
      if (!known(list[1]!)) return notFound();
      const perPage = Math.min(this.pageSize, Number(url.searchParams.get('per_page') ?? 30));
      const page = Number(url.searchParams.get('page') ?? 1);
      const items = this.comments.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(this.comments.length / perPage));
      const link = (n: number) => `<${this.url}${url.pathname}?per_page=${perPage}&page=${n}>`;
      const headers: Record<string, string> = page < last ? { link: `${link(page + 1)}; rel="next", ${link(last)}; rel="last"` } : {};
      return send(200, items, headers);
    }
    if ((list && req.method === 'POST') || (one && req.method === 'PATCH')) {
      if (this.readOnly) return send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' });
      const { body } = readBody();
      if (typeof body !== 'string' || body.length > 65_536) {
        return send(422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }] });
      }
      if (list) {
        if (!known(list[1]!)) return notFound();
        return send(201, this.addComment(body, { login: this.identity.login, type: this.identity.kind === 'installation' ? 'Bot' : 'User' }));
      }
      const comment = this.comments.find((item) => item.id === Number(one![1]));
      if (!comment) return notFound();
      comment.body = body;
      return send(200, comment);
    }
    return notFound();
  }
}
