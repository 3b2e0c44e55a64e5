import { createHash } from 'node:crypto';
import type { CredentialSource, RegistryCredentials } from './docker-config.js';
import { RegistryError } from './errors.js';
import { registryBaseUrl, type ImageReference } from './reference.js';

/** Multi-platform first: the digest pinned is the index's, so every platform of the tag stays reachable. */
const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;
const INDEX_TYPES = new Set<string>(MANIFEST_MEDIA_TYPES.slice(0, 2));

export interface RegistryClientOptions {
  /** where credentials come from when a registry asks; default none (anonymous only) */
  readonly credentials?: CredentialSource;
  /** per request; default 30 s */
  readonly timeoutMs?: number;
}

interface ResolvedManifest {
  /** `sha256:…` of the manifest the tag points at: the index for a multi-platform tag */
  readonly digest: string;
  readonly mediaType: string;
  /** true when the tag names an image index / manifest list (several platforms) */
  readonly multiPlatform: boolean;
}

/**
 * What the tag of `reference` points at now, by the distribution API: HEAD the manifest (GET and hash
 * the body when the registry sends no Docker-Content-Digest), answering a 401 with the bearer-token
 * flow Docker Hub and GHCR use (anonymous, or with the docker config's credentials) or basic auth.
 */
export async function resolveTag(reference: ImageReference, options: RegistryClientOptions = {}): Promise<ResolvedManifest> {
  if (reference.tag === undefined) throw new RegistryError(`image ${reference.name}@${reference.digest ?? ''} has no tag to resolve`);
  const session = new RegistrySession(reference, options);
  const path = `/v2/${reference.repository}/manifests/${encodeURIComponent(reference.tag)}`;
  const head = await session.request('HEAD', path);
  const headerDigest = head.headers.get('docker-content-digest');
  const mediaType = (head.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (headerDigest && /^sha256:[a-f0-9]{64}$/.test(headerDigest) && mediaType) return described(reference, headerDigest, mediaType);
  // some registries omit the digest header on HEAD: the digest is the sha256 of the exact bytes served
  const get = await session.request('GET', path);
  const body = Buffer.from(await get.arrayBuffer());
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  return described(reference, digest, (get.headers.get('content-type') ?? mediaTypeOf(body)).split(';')[0]!.trim());
}

function described(reference: ImageReference, digest: string, mediaType: string): ResolvedManifest {
  if (!(MANIFEST_MEDIA_TYPES as readonly string[]).includes(mediaType)) {
    throw new RegistryError(
      `${reference.registry} answered ${reference.repository}:${reference.tag!} with a '${mediaType || 'untyped'}' manifest, ` +
        'not an OCI image index, Docker manifest list or image manifest; pin it by hand after checking what it is',
    );
  }
  return { digest, mediaType, multiPlatform: INDEX_TYPES.has(mediaType) };
}

function mediaTypeOf(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : '';
  } catch {
    return '';
  }
}

/** One repository on one registry, with the authorization it earned on the first 401. */
class RegistrySession {
  private authorization: string | undefined;
  private credentialsAsked = false;
  private credentials: RegistryCredentials | undefined;
  private readonly base: string;
  private readonly where: string;

  constructor(
    private readonly reference: ImageReference,
    private readonly options: RegistryClientOptions,
  ) {
    this.base = registryBaseUrl(reference.registry);
    this.where = `${reference.registry}/${reference.repository}:${reference.tag ?? ''}`;
  }

  async request(method: 'HEAD' | 'GET', path: string): Promise<Response> {
    let response = await this.send(method, `${this.base}${path}`, this.authorization);
    if (response.status === 401) {
      await response.body?.cancel();
      await this.authorize(response.headers.get('www-authenticate') ?? '');
      response = await this.send(method, `${this.base}${path}`, this.authorization);
      if (response.status === 401 || response.status === 403) throw this.credentialError(response.status);
    }
    if (response.ok) return response;
    if (response.status === 403) throw this.credentialError(403);
    if (response.status === 404) {
      throw new RegistryError(`${this.where}: the registry has no such tag (or no such repository; HTTP 404${await errorCode(response)}); check the tag`);
    }
    if (response.status === 429) throw new RegistryError(`${this.where}: the registry rate-limits this client (HTTP 429); try again later or log in with 'docker login'`);
    throw new RegistryError(`${this.where}: the registry answered HTTP ${response.status}${await errorCode(response)} to ${method} of the manifest; try again later`);
  }

  private async send(method: string, url: string, authorization: string | undefined): Promise<Response> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    try {
      return await fetch(url, {
        method,
        headers: { Accept: MANIFEST_MEDIA_TYPES.join(', '), ...(authorization ? { Authorization: authorization } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
    } catch (error) {
      throw new RegistryError(`cannot reach the registry at ${new URL(url).origin} (${networkReason(error, timeoutMs)}); check the image reference and the network`);
    }
  }

  /** Answers a 401's challenge: a bearer token from its realm, or basic auth with the configured credentials. */
  private async authorize(challenge: string): Promise<void> {
    const scheme = challenge.trim().split(/\s+/, 1)[0]!.toLowerCase();
    const params = challengeParams(challenge);
    if (scheme === 'basic') {
      const credentials = await this.lookupCredentials();
      if (!credentials) throw this.credentialError(401);
      this.authorization = basic(credentials);
      return;
    }
    if (scheme !== 'bearer' || !params.realm) {
      throw new RegistryError(`${this.where}: the registry asked for '${challenge.slice(0, 80)}' authentication, which ray-gitops does not speak`);
    }
    const realm = safeUrl(params.realm);
    if (!realm) throw new RegistryError(`${this.where}: the registry's token realm '${params.realm.slice(0, 120)}' is not an http(s) URL`);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.reference.repository}:pull`);
    const credentials = await this.lookupCredentials();
    // credentials travel only over TLS, or to a loopback token server
    const mayCarry = credentials && (realm.protocol === 'https:' || registryBaseUrl(realm.host).startsWith('http:'));
    const response = await this.send('GET', realm.toString(), mayCarry ? basic(credentials) : undefined);
    if (response.status === 401 || response.status === 403) throw this.credentialError(response.status);
    if (!response.ok) throw new RegistryError(`${this.where}: the token service ${realm.origin} answered HTTP ${response.status}; try again later`);
    let token: unknown;
    try {
      const body = (await response.json()) as { token?: unknown; access_token?: unknown };
      token = body.token ?? body.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== 'string' || token === '') throw new RegistryError(`${this.where}: the token service ${realm.origin} answered without a token`);
    this.authorization = `Bearer ${token}`;
  }

  private async lookupCredentials(): Promise<RegistryCredentials | undefined> {
    if (!this.credentialsAsked) {
      this.credentialsAsked = true;
      this.credentials = await this.options.credentials?.(this.reference.registry);
    }
    return this.credentials;
  }

  private credentialError(status: number): RegistryError {
    return new RegistryError(
      this.credentials
        ? `${this.where}: the registry refused the docker config's credentials for ${this.reference.registry} (HTTP ${status}); run 'docker login ${this.reference.registry}' again`
        : `${this.where}: the registry asks for credentials (HTTP ${status}); run 'docker login ${this.reference.registry}' (read from $DOCKER_CONFIG/config.json or ~/.docker/config.json), or check the repository name`,
    );
  }
}

/** `Bearer realm="…",service="…",scope="…"` → its parameters (quoted or bare values). */
function challengeParams(challenge: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const match of challenge.matchAll(/([A-Za-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[match[1]!.toLowerCase()] = (match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return params;
}

function safeUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

async function errorCode(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { errors?: { code?: unknown }[] };
    const code = body.errors?.[0]?.code;
    return typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? ` ${code}` : '';
  } catch {
    return '';
  }
}

function networkReason(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : String((error as Error).message ?? error);
}
