import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianProgram } from './debian.js';

/**
 * The CNCF distribution server (Debian's docker-registry) on a free loopback port, with filesystem
 * storage in a temporary directory; optionally with token auth in front: a small token server that
 * signs JWTs (RS256, x5c header) with a key and self-signed certificate made by openssl for this run.
 */
export interface TestRegistry {
  /** host:port, as an image reference's registry part */
  readonly host: string;
  readonly dir: string;
  /** with token auth: the user and password the token server accepts */
  readonly login?: { readonly username: string; readonly password: string };
  /** an Authorization header value that may push and pull `repository` */
  authorizationFor(repository: string): Promise<string | undefined>;
  stop(): Promise<void>;
}


export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** token auth in front; repositories under `private/` need the login, others allow anonymous pull */
  readonly tokenAuth?: boolean;
}

export async function startRegistry(options: StartOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'ray-gitops-registry-'));
  mkdirSync(join(dir, 'storage'));
  const port = await freePort();
  let tokenServer: TokenServer | undefined;
  let auth = '';
  if (options.tokenAuth) {
    tokenServer = await startTokenServer(dir);
    auth = [
      'auth:',
      '  token:',
      `    realm: http://127.0.0.1:${tokenServer.port}/token`,
      '    service: ray-gitops-test-registry',
      '    issuer: ray-gitops-test-issuer',
      `    rootcertbundle: ${join(dir, 'cert.pem')}`,
    ].join('\n');
  }
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '  secret: ray-gitops-test',
      auth,
      '',
    ].join('\n'),
  );
  const registry = debianProgram('docker-registry', '/usr/bin/docker-registry', 'for the registry tests');
  const child = spawn(registry, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitUntilUp(`http://127.0.0.1:${port}/v2/`, child, () => stderr);
  const host = `127.0.0.1:${port}`;
  return {
    host,
    dir,
    ...(tokenServer ? { login: tokenServer.login } : {}),
    async authorizationFor(repository) {
      if (!tokenServer) return undefined;
      const basic = Buffer.from(`${tokenServer.login.username}:${tokenServer.login.password}`).toString('base64');
      const response = await fetch(
        `http://127.0.0.1:${tokenServer.port}/token?service=ray-gitops-test-registry&scope=repository:${repository}:pull,push`,
        { headers: { Authorization: `Basic ${basic}` } },
      );
      const body = (await response.json()) as { token: string };
      return `Bearer ${body.token}`;
    },
    async stop() {
      await stopChild(child);
      await tokenServer?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilUp(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`docker-registry did not answer on ${url}: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface TokenServer {
  readonly port: number;
  readonly login: { readonly username: string; readonly password: string };
  stop(): Promise<void>;
}

/** Issues registry tokens as the distribution token spec describes; `private/*` needs the login. */
async function startTokenServer(dir: string): Promise<TokenServer> {
  const made = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=ray-gitops-test-issuer',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl could not make the token key: ${made.stderr}`);
  const key = createPrivateKey(readFileSync(join(dir, 'key.pem')));
  const certificate = new X509Certificate(readFileSync(join(dir, 'cert.pem')));
  const x5c = [certificate.raw.toString('base64')];
  const login = { username: 'ci-bot', password: `pw-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}` };
  const expectedBasic = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
  const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const authorization = request.headers.authorization;
    const authenticated = authorization === expectedBasic;
    if (authorization !== undefined && !authenticated) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"wrong credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      if (type !== 'repository' || !name || !actions) return [];
      if (name.startsWith('private/') && !authenticated) return [];
      const granted = actions.split(',').filter((action) => authenticated || action === 'pull');
      return [{ type, name, actions: granted }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c };
    const claims = {
      iss: 'ray-gitops-test-issuer',
      sub: authenticated ? login.username : '',
      aud: url.searchParams.get('service') ?? '',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: createHash('sha256').update(`${now}${Math.random()}`).digest('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const token = `${signingInput}.${b64url(sign('sha256', Buffer.from(signingInput), key))}`;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, login, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

// --- pushing a small multi-platform image through the registry API -----------------------------

export interface PushedIndex {
  /** the digest the registry answered for the index (Docker-Content-Digest of the PUT) */
  readonly digest: string;
  /** sha256 of the index bytes pushed */
  readonly contentDigest: string;
  readonly platformDigests: readonly string[];
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * Pushes config + layer blobs, two platform manifests (linux/amd64, linux/arm64) and an OCI image
 * index under `tag`. `variant` changes the layer, so each variant is another image with another digest.
 */
export async function pushImageIndex(
  registry: TestRegistry,
  repository: string,
  tag: string,
  variant: string,
  /** `oci`: OCI image index of OCI manifests; `docker`: Docker manifest list v2 of Docker v2 manifests; `single`: one OCI manifest, no index */
  format: 'oci' | 'docker' | 'single' = 'oci',
): Promise<PushedIndex> {
  const types = format === 'docker'
    ? { manifest: 'application/vnd.docker.distribution.manifest.v2+json', config: 'application/vnd.docker.container.image.v1+json', layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip', index: 'application/vnd.docker.distribution.manifest.list.v2+json' }
    : { manifest: 'application/vnd.oci.image.manifest.v1+json', config: 'application/vnd.oci.image.config.v1+json', layer: 'application/vnd.oci.image.layer.v1.tar+gzip', index: 'application/vnd.oci.image.index.v1+json' };
  const authorization = await registry.authorizationFor(repository);
  const headers = (extra: Record<string, string> = {}) => ({ ...(authorization ? { Authorization: authorization } : {}), ...extra });
  const base = `http://${registry.host}/v2/${repository}`;

  const pushBlob = async (data: Buffer): Promise<{ digest: string; size: number }> => {
    const digest = sha256(data);
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers: headers() });
    if (start.status !== 202) throw new Error(`blob upload start: HTTP ${start.status} ${await start.text()}`);
    const location = new URL(start.headers.get('location')!, `http://${registry.host}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, { method: 'PUT', headers: headers({ 'content-type': 'application/octet-stream' }), body: data });
    if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${await put.text()}`);
    return { digest, size: data.length };
  };
  const pushManifest = async (reference: string, mediaType: string, body: Buffer): Promise<string> => {
    const put = await fetch(`${base}/manifests/${reference}`, { method: 'PUT', headers: headers({ 'content-type': mediaType }), body });
    if (put.status !== 201) throw new Error(`manifest ${reference}: HTTP ${put.status} ${await put.text()}`);
    return put.headers.get('docker-content-digest')!;
  };

  const layer = await pushBlob(tarGzOf(`hello from ${repository}:${tag} (${variant})\n`));
  const platforms = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
  ];
  const manifests = [];
  for (const platform of format === 'single' ? platforms.slice(0, 1) : platforms) {
    const config = await pushBlob(Buffer.from(JSON.stringify({ ...platform, config: { Labels: { variant } }, rootfs: { type: 'layers', diff_ids: [layer.digest] } })));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, ...config },
      layers: [{ mediaType: types.layer, ...layer }],
    }));
    if (format === 'single') {
      const digest = await pushManifest(tag, types.manifest, manifest);
      return { digest, contentDigest: sha256(manifest), platformDigests: [digest] };
    }
    const digest = await pushManifest(sha256(manifest), types.manifest, manifest);
    manifests.push({ mediaType: types.manifest, digest, size: manifest.length, platform });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: types.index, manifests }, null, 2));
  const digest = await pushManifest(tag, types.index, index);
  return { digest, contentDigest: sha256(index), platformDigests: manifests.map((m) => m.digest) };
}

/** A real gzipped tar of one file, made by GNU tar. */
function tarGzOf(content: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'ray-gitops-layer-'));
  try {
    writeFileSync(join(dir, 'hello.txt'), content);
    const made = spawnSync('tar', ['-czf', '-', '-C', dir, '--mtime=@0', '--owner=0', '--group=0', 'hello.txt']);
    if (made.status !== 0) throw new Error(`tar failed: ${made.stderr.toString()}`);
    return made.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
