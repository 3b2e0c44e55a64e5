import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from '@ray-gitops/core';

export interface S3Faults {
  /** fraction of requests answered 503 SlowDown / 500 InternalError without reaching S3 */
  errorRate: number;
  /** fraction of requests whose connection is reset after part of the body was read */
  resetRate: number;
  /** a permanent refusal for matching requests (clean-failure tests) */
  deny?: (req: IncomingMessage, url: URL) => boolean;
  /** matching requests are read and never answered: a store that accepted the connection and went quiet */
  stall?: (req: IncomingMessage, url: URL) => boolean;
  /** matching answers carry another ETag than the store's: a store that kept other bytes than it was sent */
  wrongEtag?: (req: IncomingMessage, url: URL) => boolean;
  /** matching request bodies get one byte flipped on the way: bytes damaged after the client checksummed them */
  corruptBody?: (req: IncomingMessage, url: URL) => boolean;
  /**
   * check `x-amz-checksum-crc32c` against the body, as AWS S3 does, answering 400 BadDigest on a
   * mismatch (Ceph RGW, behind the proxy, stores the header without checking it)
   */
  checkCrc32c?: boolean;
}

/** One request that reached S3, for assertions on what the stager did. */
export interface S3Op {
  readonly method: string;
  readonly key: string;
  readonly query: string[];
  readonly status: number;
  readonly bodyBytes: number;
  /** the integrity headers the request carried */
  readonly contentMd5: boolean;
  readonly crc32c: boolean;
  /** x-amz-content-sha256 was UNSIGNED-PAYLOAD: the signature covers the headers, not the body's sha256 */
  readonly unsignedPayload: boolean;
}

const slowDown = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
const internal = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>';
const badDigest = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>BadDigest</Code><Message>The CRC32C you specified did not match the calculated checksum.</Message></Error>';
/** the golden ratio's fractional part: its multiples modulo 1 spread evenly over [0, 1) */
const GOLDEN_FRACTION = 0.6180339887498949;
const denied = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

/**
 * A fault-injecting HTTP proxy in front of the real S3 (RGW). Requests pass through byte for byte
 * (SigV4 signatures stay valid: the Host header is forwarded as the client sent it).
 */
export class S3FaultProxy {
  readonly faults: S3Faults = { errorRate: 0, resetRate: 0 };
  readonly ops: S3Op[] = [];
  readonly injected = { errors: 0, resets: 0, corrupted: 0 };
  private requests = 1;
  private writeRequests = 1;
  /** requests left unanswered by the stall fault */
  stalled = 0;
  private server!: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });
  endpoint = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((ok) => this.server.close(ok));
    this.agent.destroy();
  }

  /** Body bytes of successful PUTs (PutObject, UploadPart) since `from` (an index into ops). */
  bytesWritten(from = 0): number {
    return this.ops.slice(from).filter((op) => op.method === 'PUT' && op.status < 300).reduce((sum, op) => sum + op.bodyBytes, 0);
  }

  writes(from = 0): S3Op[] {
    return this.ops.slice(from).filter((op) => op.method === 'PUT' || op.method === 'POST' || op.method === 'DELETE');
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url!, 'http://proxy');
    const isWrite = req.method === 'PUT' || req.method === 'POST';
    if (this.faults.deny?.(req, url)) {
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(denied);
      });
      return;
    }
    if (this.faults.stall?.(req, url)) {
      this.stalled++;
      req.resume();
      return;
    }
    // a low-discrepancy sequence: the injected rates hold closely on every run, no luck involved
    const roll = (this.requests++ * GOLDEN_FRACTION) % 1;
    // resets hit writes only, so they take their own sequence over the writes: which requests are writes
    // depends on the client's scheduling, and the rate must hold however the writes fall among reads
    const writeRoll = isWrite ? (this.writeRequests++ * GOLDEN_FRACTION) % 1 : 1;
    // the window starts at errorRate, where the sequence first lands within a few dozen writes
    if (writeRoll >= this.faults.errorRate && writeRoll < this.faults.errorRate + this.faults.resetRate) {
      this.injected.resets++;
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > 64 * 1024) req.socket.resetAndDestroy();
      });
      req.on('end', () => req.socket.resetAndDestroy());
      return;
    }
    if (roll < this.faults.errorRate) {
      this.injected.errors++;
      req.resume();
      req.on('end', () => {
        const slow = Math.random() < 0.5;
        res.writeHead(slow ? 503 : 500, { 'content-type': 'application/xml' });
        res.end(slow ? slowDown : internal);
      });
      return;
    }
    const corrupt = isWrite && this.faults.corruptBody?.(req, url) === true;
    if (corrupt) this.injected.corrupted++;
    const key = decodeURIComponent(url.pathname);
    const integrity = {
      contentMd5: req.headers['content-md5'] !== undefined,
      crc32c: req.headers['x-amz-checksum-crc32c'] !== undefined,
      unsignedPayload: req.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD',
    };
    if (!isWrite || (!corrupt && !this.faults.checkCrc32c)) {
      this.forward(req, res, url, key, integrity, req);
      return;
    }
    // the body is read whole here: it has to be checked, or damaged, before it goes on
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const middle = Math.floor(body.length / 2);
      if (corrupt && body.length > 0) body[middle] = 255 - body[middle]!;
      const claimed = req.headers['x-amz-checksum-crc32c'];
      if (this.faults.checkCrc32c && typeof claimed === 'string') {
        const actual = Buffer.alloc(4);
        actual.writeUInt32BE(await crc32c(body));
        if (actual.toString('base64') !== claimed) {
          this.ops.push({ method: req.method!, key, query: [...url.searchParams.keys()], status: 400, bodyBytes: body.length, ...integrity });
          res.writeHead(400, { 'content-type': 'application/xml' });
          res.end(badDigest);
          return;
        }
      }
      this.forward(req, res, url, key, integrity, body);
    });
  }

  /** Sends the request on to S3 as it came (or with `body` instead of the client's) and its answer back. */
  private forward(req: IncomingMessage, res: ServerResponse, url: URL, key: string, integrity: Pick<S3Op, 'contentMd5' | 'crc32c' | 'unsignedPayload'>, body: IncomingMessage | Buffer) {
    let bodyBytes = Buffer.isBuffer(body) ? body.length : 0;
    const upstream = request(
      `${this.upstream}${req.url}`,
      { method: req.method, headers: req.headers, agent: this.agent },
      (answer) => {
        const op = { method: req.method!, key, query: [...url.searchParams.keys()], status: answer.statusCode ?? 0, bodyBytes, ...integrity };
        this.ops.push(op);
        const headers = { ...answer.headers };
        if (headers.etag && this.faults.wrongEtag?.(req, url)) headers.etag = '"0123456789abcdef0123456789abcdef"';
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    if (Buffer.isBuffer(body)) {
      upstream.end(body);
      return;
    }
    req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    req.pipe(upstream);
  }
}
