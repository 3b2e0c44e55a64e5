/* eslint-disable no-bitwise -- byte sizes and a corrupted byte */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file of the generated model: its bytes are a pattern computed per offset, never held whole. */
export interface FakeFile {
  readonly path: string;
  readonly size: number;
  /** stored in git LFS: listed with lfs.oid (sha256) and served through the CDN redirect */
  readonly lfs: boolean;
  /** served bytes differ from the listed checksum this many times (integrity-failure tests) */
  corruptTimes?: number;
}

export interface FakeRepo {
  readonly repo: string;
  readonly commit: string;
  readonly branches: Record<string, string>;
  readonly files: FakeFile[];
  readonly gated?: boolean;
}

export interface HfFaults {
  /** fraction of API and resolve requests answered 429 with Retry-After */
  rate429: number;
  /** fraction of CDN bodies cut mid-way by destroying the socket */
  resetRate: number;
  /** fraction of CDN bodies that end early but cleanly (truncated) */
  truncateRate: number;
}

const PATTERN = randomBytes(1 << 20);
/** the pattern twice over: any stretch of up to one pattern's length is one contiguous view of it */
const PATTERN_TWICE = Buffer.concat([PATTERN, PATTERN]);

/** Where in the pattern `file`'s byte 0 falls: each file is its own rotation of it. */
const patternShift = (file: { path: string }) => createHash('md5').update(file.path).digest().readUInt32BE(0) % PATTERN.length;

/** The bytes of `file` in [start, end). */
export function fileBytes(file: { path: string }, start: number, end: number): Buffer {
  const shift = patternShift(file);
  const out = Buffer.allocUnsafe(end - start);
  let pos = 0;
  while (pos < out.length) {
    const at = (start + pos + shift) % PATTERN.length;
    const n = Math.min(out.length - pos, PATTERN.length - at);
    PATTERN.copy(out, pos, at, at + n);
    pos += n;
  }
  return out;
}

/**
 * The bytes of `file` in [start, end) (at most 1 MiB) as a read-only view of the pattern: serving a
 * view costs the hub a socket write and no copy, so on one machine the fake CDN takes as little of the
 * CPU the client and S3 need as a remote one would (bench/prestage.ts runs all three side by side).
 */
function fileView(file: { path: string }, start: number, end: number): Buffer {
  if (end - start > PATTERN.length) return fileBytes(file, start, end);
  const at = (start + patternShift(file)) % PATTERN.length;
  return PATTERN_TWICE.subarray(at, at + (end - start));
}

function digests(file: FakeFile): { sha256: string; sha1: string } {
  const sha256 = createHash('sha256');
  const sha1 = createHash('sha1').update(`blob ${file.size}\0`);
  for (let at = 0; at < file.size; at += 8 << 20) {
    const chunk = fileBytes(file, at, Math.min(file.size, at + (8 << 20)));
    sha256.update(chunk);
    sha1.update(chunk);
  }
  return { sha256: sha256.digest('hex'), sha1: sha1.digest('hex') };
}

export const TEST_TOKEN = 'hf_testtoken_Zq9xY8wV7uT6';

/**
 * A Hugging Face Hub speaking its wire protocol on loopback: `/api/models/{repo}/revision/{rev}`,
 * `/api/models/{repo}/tree/{commit}?recursive=true` paginated with `Link: rel="next"`,
 * `/{repo}/resolve/{commit}/{path}` (small files served directly, LFS files 302 to a second host,
 * 127.0.0.2, that serves `Range`), X-Error-Code for gated / missing repos and revisions, injected
 * 429s, connection resets and truncated bodies.
 */
export class FakeHub {
  readonly faults: HfFaults = { rate429: 0, resetRate: 0, truncateRate: 0 };
  readonly stats = { api: 0, resolve: 0, cdn: 0, cdnBytes: 0, throttled: 0, resets: 0, truncated: 0, authOnCdn: 0, authSeen: 0 };
  readonly pageSize = 3;
  private readonly sums = new Map<string, { sha256: string; sha1: string }>();
  private readonly rolls = { throttle: 1, reset: 1, truncate: 1 };
  private api!: Server;
  private cdn!: Server;
  endpoint = '';
  cdnOrigin = '';

  constructor(readonly repos: FakeRepo[]) {
    for (const repo of repos) for (const file of repo.files) this.sums.set(`${repo.repo}/${file.path}`, digests(file));
  }

  /** a low-discrepancy sequence in [0, 1): injected rates hold closely on every run */
  private roll(kind: keyof FakeHub['rolls']): number {
    return (this.rolls[kind]++ * 0.6180339887498949) % 1;
  }

  sha256(repo: string, path: string): string {
    return this.sums.get(`${repo}/${path}`)!.sha256;
  }

  async start(): Promise<void> {
    this.api = createServer((req, res) => this.handleApi(req, res));
    this.cdn = createServer((req, res) => this.handleCdn(req, res));
    await new Promise<void>((ok) => this.api.listen(0, '127.0.0.1', ok));
    await new Promise<void>((ok) => this.cdn.listen(0, '127.0.0.2', ok));
    this.endpoint = `http://127.0.0.1:${(this.api.address() as AddressInfo).port}`;
    this.cdnOrigin = `http://127.0.0.2:${(this.cdn.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.api.closeAllConnections();
    this.cdn.closeAllConnections();
    await Promise.all([new Promise((ok) => this.api.close(ok)), new Promise((ok) => this.cdn.close(ok))]);
  }

  private error(res: ServerResponse, status: number, code: string | undefined, message: string) {
    res.writeHead(status, { 'content-type': 'application/json', ...(code ? { 'x-error-code': code, 'x-error-message': message } : {}) });
    res.end(JSON.stringify({ error: message }));
  }

  private throttled(res: ServerResponse): boolean {
    if (this.roll('throttle') >= this.faults.rate429) return false;
    this.stats.throttled++;
    res.writeHead(429, { 'retry-after': '0', 'ratelimit': '"api";r=0;t=0', 'content-type': 'application/json' });
    res.end('{"error":"rate limited"}');
    return true;
  }

  /** Public repos answer anyone; gated ones need the test token (401 without, 403 with another). */
  private access(repo: FakeRepo | undefined, req: IncomingMessage, res: ServerResponse, name: string): repo is FakeRepo {
    const auth = req.headers.authorization;
    if (auth) this.stats.authSeen++;
    if (!repo) {
      this.error(res, 401, 'RepoNotFound', `Repository Not Found for url: ${name}`);
      return false;
    }
    if (repo.gated && auth !== `Bearer ${TEST_TOKEN}`) {
      this.error(res, auth ? 403 : 401, 'GatedRepo', `Access to model ${repo.repo} is restricted.`);
      return false;
    }
    return true;
  }

  private handleApi(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, this.endpoint);
    const path = decodeURIComponent(url.pathname);
    let m = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/(.+)$/.exec(path);
    if (m) {
      this.stats.api++;
      if (this.throttled(res)) return;
      const repo = this.repos.find((r) => r.repo === m![1]);
      if (!this.access(repo, req, res, m[1]!)) return;
      const commit = m[2] === repo.commit ? repo.commit : repo.branches[m[2]!];
      if (!commit) return this.error(res, 404, 'RevisionNotFound', `Invalid rev id: ${m[2]}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: repo.repo, sha: commit, siblings: repo.files.map((f) => ({ rfilename: f.path })) }));
    }
    m = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([0-9a-f]{40})$/.exec(path);
    if (m) {
      this.stats.api++;
      if (this.throttled(res)) return;
      const repo = this.repos.find((r) => r.repo === m![1]);
      if (!this.access(repo, req, res, m[1]!)) return;
      if (m[2] !== repo.commit) return this.error(res, 404, 'RevisionNotFound', `Invalid rev id: ${m[2]}`);
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = repo.files.slice(cursor, cursor + this.pageSize).map((f) => {
        const sums = this.sums.get(`${repo.repo}/${f.path}`)!;
        return f.lfs
          ? { type: 'file', path: f.path, size: f.size, oid: createHash('sha1').update(f.path).digest('hex'), lfs: { oid: sums.sha256, size: f.size, pointerSize: 134 } }
          : { type: 'file', path: f.path, size: f.size, oid: sums.sha1 };
      });
      const dirs = cursor === 0 ? [{ type: 'directory', path: 'original', oid: '0'.repeat(40), size: 0 }] : [];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (cursor + this.pageSize < repo.files.length) headers.link = `<${this.endpoint}/api/models/${repo.repo}/tree/${repo.commit}?recursive=true&cursor=${cursor + this.pageSize}>; rel="next"`;
      res.writeHead(200, headers);
      return res.end(JSON.stringify([...dirs, ...page]));
    }
    m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (m) {
      this.stats.resolve++;
      if (this.throttled(res)) return;
      const repo = this.repos.find((r) => r.repo === m![1]);
      if (!this.access(repo, req, res, m[1]!)) return;
      if (m[2] !== repo.commit) return this.error(res, 404, 'RevisionNotFound', `Invalid rev id: ${m[2]}`);
      const file = repo.files.find((f) => f.path === m![3]);
      if (!file) return this.error(res, 404, 'EntryNotFound', `${m[3]} does not exist`);
      if (file.lfs) {
        res.writeHead(302, { 'location': `${this.cdnOrigin}/blobs/${encodeURIComponent(repo.repo)}/${encodeURIComponent(file.path)}?X-Amz-Signature=cdnsecret&Expires=1`, 'x-repo-commit': repo.commit, 'x-linked-size': String(file.size) });
        return res.end();
      }
      return this.serve(file, req, res, false);
    }
    this.error(res, 404, undefined, 'not found');
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse) {
    this.stats.cdn++;
    if (req.headers.authorization) this.stats.authOnCdn++;
    const m = /^\/blobs\/([^/]+)\/([^/?]+)$/.exec(new URL(req.url!, this.cdnOrigin).pathname);
    const repo = m && this.repos.find((r) => r.repo === decodeURIComponent(m[1]!));
    const file = repo?.files.find((f) => f.path === decodeURIComponent(m![2]!));
    if (file) this.serve(file, req, res, true);
    else this.error(res, 404, undefined, 'no such blob');
  }

  private serve(file: FakeFile, req: IncomingMessage, res: ServerResponse, faults: boolean) {
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) start = Number(range[1]);
    if (start >= file.size && file.size > 0) {
      res.writeHead(416, { 'content-range': `bytes */${file.size}` });
      res.end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(file.size - start), 'accept-ranges': 'bytes' };
    if (range) headers['content-range'] = `bytes ${start}-${file.size - 1}/${file.size}`;
    res.writeHead(range ? 206 : 200, headers);
    const corrupt = (file.corruptTimes ?? 0) > 0 && start === 0;
    if (corrupt) file.corruptTimes!--;
    let cut = Infinity;
    let truncate = false;
    if (faults && this.roll('reset') < this.faults.resetRate) {
      cut = start + Math.floor(Math.random() * (file.size - start));
    } else if (faults && this.roll('truncate') < this.faults.truncateRate) {
      cut = start + Math.floor(Math.random() * (file.size - start));
      truncate = true;
    }
    let at = start;
    const pump = () => {
      while (at < file.size) {
        if (at >= cut) {
          if (truncate) {
            this.stats.truncated++;
            // a clean end before Content-Length: the client sees a short body
            res.socket?.end();
          } else {
            this.stats.resets++;
            res.socket?.resetAndDestroy();
          }
          return;
        }
        const end = Math.min(file.size, at + (256 << 10), cut === Infinity ? file.size : Math.max(cut, at + 1));
        // the corrupted chunk is a copy: the pattern itself is never written
        const chunk = corrupt && at === start ? fileBytes(file, at, end) : fileView(file, at, end);
        if (corrupt && at === start) chunk[0] = chunk[0]! ^ 0xff;
        at = end;
        this.stats.cdnBytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  }
}
