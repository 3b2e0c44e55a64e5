import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket, AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Builds a .tar with Python's tarfile from a JSON list of members, so the archives are what a real
 * tar implementation writes. Each member: `{ name, data?: base64, size?, type?: 'file'|'symlink'|'hardlink', linkname?,
 * paxSizeOnly?: true (the size only in the pax header, the ustar field 0, as tar writes members of 8 GiB
 * and more), pax?: {…} }`; `format` is 'pax' or 'gnu'; `globalPax` writes a pax global header first.
 */
export async function pythonTar(path: string, members: readonly PyMember[], options: { format?: 'pax' | 'gnu'; globalPax?: Record<string, string> } = {}): Promise<void> {
  const script = `
import base64, io, json, sys, tarfile
spec = json.loads(sys.stdin.read())
class PaxSizeOnly(tarfile.TarInfo):
    # what tar does for a member of 8 GiB and more: the ustar size field 0, the size in the pax record
    def create_pax_header(self, info, encoding):
        info['size'] = 0
        return super().create_pax_header(info, encoding)
fmt = tarfile.GNU_FORMAT if spec['format'] == 'gnu' else tarfile.PAX_FORMAT
kwargs = {'pax_headers': spec['globalPax']} if spec['globalPax'] else {}
with tarfile.open(spec['path'], 'w', format=fmt, **kwargs) as tf:
    for m in spec['members']:
        data = base64.b64decode(m.get('data', ''))
        info = (PaxSizeOnly if m.get('paxSizeOnly') else tarfile.TarInfo)(m['name'])
        kind = m.get('type', 'file')
        if kind == 'symlink':
            info.type = tarfile.SYMTYPE
            info.linkname = m['linkname']
        elif kind == 'hardlink':
            info.type = tarfile.LNKTYPE
            info.linkname = m['linkname']
        else:
            info.size = len(data)
        pax = dict(m.get('pax', {}))
        if m.get('paxSizeOnly'):
            pax['size'] = str(len(data))
        if pax:
            info.pax_headers = pax
        tf.addfile(info, io.BytesIO(data) if kind == 'file' else None)
`;
  const spec = JSON.stringify({
    path,
    format: options.format ?? 'pax',
    globalPax: options.globalPax ?? null,
    members: members.map((m) => ({ ...m, data: m.data ? Buffer.from(m.data).toString('base64') : '' })),
  });
  await new Promise<void>((resolve, reject) => {
    const child = execFile('python3', ['-c', script], (error) => (error ? reject(error) : resolve()));
    child.stdin!.end(spec);
  });
}

export interface PyMember {
  readonly name: string;
  readonly data?: Uint8Array;
  readonly type?: 'file' | 'symlink' | 'hardlink';
  readonly linkname?: string;
  readonly paxSizeOnly?: boolean;
  readonly pax?: Record<string, string>;
}

/** GNU tar's own listing of an archive: proof that what a test built is a valid tar. */
export async function gnuTarList(path: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tf', path]);
  return stdout.split('\n').filter((line) => line !== '');
}

export interface ArchiveServer {
  readonly url: (path: string) => string;
  /** extra headers on every answer (e.g. Content-Encoding) */
  headers: Record<string, string>;
  /** a Location to send instead of the archive */
  redirectTo?: string;
  readonly requests: { method: string; range?: string }[];
  stop(): Promise<void>;
}

/** A loopback HTTP server for one archive file, with byte ranges as a CDN serves them. */
export async function serveArchive(file: string): Promise<ArchiveServer> {
  const state: ArchiveServer = {
    url: () => '',
    headers: {},
    requests: [],
    stop: async () => undefined,
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests.push({ method: req.method ?? 'GET', ...(req.headers.range ? { range: req.headers.range } : {}) });
    if (state.redirectTo) {
      res.writeHead(302, { location: state.redirectTo });
      res.end();
      return;
    }
    void readFile(file).then((bytes) => {
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!range) {
        res.writeHead(200, { 'content-length': String(bytes.length), ...state.headers });
        res.end(req.method === 'HEAD' ? undefined : bytes);
        return;
      }
      const [first, last] = [Number(range[1]), Number(range[2])];
      res.writeHead(206, { 'content-range': `bytes ${first}-${last}/${bytes.length}`, 'content-length': String(last - first + 1), ...state.headers });
      res.end(bytes.subarray(first, last + 1));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  });
}

/** A TCP server that accepts every connection and never answers: the stalled endpoint of a hung deploy. */
export async function startSilentServer(): Promise<{ endpoint: string; connections: () => number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: TcpServer = createTcpServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => accepted,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** A loopback port nothing listens on: connections to it are refused. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}
