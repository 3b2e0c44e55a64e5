import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from './errors.js';
import { DOCKER_HUB_REGISTRY } from './reference.js';

export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Looks up the credentials of one registry; undefined when none are configured. */
export type CredentialSource = (registry: string) => Promise<RegistryCredentials | undefined>;

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string } | undefined>;
  credHelpers?: Record<string, string | undefined>;
  credsStore?: string;
}

/** The names Docker Hub goes by in a docker config: `docker login` writes https://index.docker.io/v1/. */
const HUB_ALIASES = new Set(['index.docker.io', 'docker.io', DOCKER_HUB_REGISTRY]);
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the docker CLI reads it. */
function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/**
 * Credentials from the docker config the way `docker login` leaves them: a per-registry credential
 * helper, the default credential store, or the base64 `auth` of `auths`. A missing config means none.
 */
export function dockerConfigCredentials(env: NodeJS.ProcessEnv = process.env): CredentialSource {
  const path = dockerConfigPath(env);
  let config: Promise<DockerConfig | undefined> | undefined;
  return async (registry) => {
    config ??= readDockerConfig(path);
    const loaded = await config;
    if (!loaded) return undefined;
    const helper = loaded.credHelpers?.[registry] ?? (HUB_ALIASES.has(registry) ? hubHelper(loaded) : undefined) ?? loaded.credsStore;
    if (helper) {
      const fromHelper = await runCredentialHelper(helper, serverUrlOf(registry), path);
      if (fromHelper) return fromHelper;
    }
    const entry = Object.entries(loaded.auths ?? {}).find(([key]) => sameRegistry(key, registry))?.[1];
    if (!entry) return undefined;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new RegistryError(`${path}: the auth of registry ${registry} is not base64 of 'user:password'; run 'docker login ${registry}' again`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    return undefined;
  };
}

function hubHelper(config: DockerConfig): string | undefined {
  for (const alias of ['https://index.docker.io/v1/', ...HUB_ALIASES]) if (config.credHelpers?.[alias]) return config.credHelpers[alias];
  return undefined;
}

function serverUrlOf(registry: string): string {
  return HUB_ALIASES.has(registry) ? 'https://index.docker.io/v1/' : registry;
}

/** An `auths` key may be a host, a host:port or a URL (`https://index.docker.io/v1/`). */
function sameRegistry(key: string, registry: string): boolean {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  return host === registry || (HUB_ALIASES.has(host) && HUB_ALIASES.has(registry));
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RegistryError(`cannot read the docker config ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as DockerConfig) : undefined;
  } catch {
    throw new RegistryError(`the docker config ${path} is not valid JSON; fix it or point DOCKER_CONFIG at another directory`);
  }
}

/** `docker-credential-<name> get`, server URL on stdin, `{"Username","Secret"}` on stdout; never through a shell. */
async function runCredentialHelper(name: string, serverUrl: string, configPath: string): Promise<RegistryCredentials | undefined> {
  if (!HELPER_NAME.test(name)) throw new RegistryError(`${configPath}: credential helper '${name}' is not a plain program name`);
  const program = `docker-credential-${name}`;
  const output = await new Promise<string | undefined>((resolve, reject) => {
    const child = execFile(program, ['get'], { timeout: 30_000, maxBuffer: 1_048_576 }, (error, stdout) => {
      if (!error) return resolve(stdout);
      // the helper's answer for "no credentials for this server"
      if (/credentials not found/i.test(stdout)) return resolve(undefined);
      const code = (error as NodeJS.ErrnoException).code;
      reject(new RegistryError(`credential helper ${program} (from ${configPath}) failed${code === 'ENOENT' ? ': it is not on PATH' : ''}; run '${program} get' to see why`));
    });
    child.stdin?.end(serverUrl);
  });
  if (output === undefined) return undefined;
  try {
    const parsed = JSON.parse(output) as { Username?: unknown; Secret?: unknown };
    if (typeof parsed.Username === 'string' && typeof parsed.Secret === 'string') return { username: parsed.Username, password: parsed.Secret };
  } catch {
    // fall through
  }
  throw new RegistryError(`credential helper ${program} answered something other than {"Username","Secret"}`);
}
