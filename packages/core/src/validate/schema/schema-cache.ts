import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { UPSTREAM_CRDS, type UpstreamCrd } from './upstream-crds.js';
import { InputFileError, RayGitopsError } from '../../errors/errors.js';
import { silentReporter, type Reporter } from '../../report/reporter.js';

/** Overrides where the schema cache lives (tests, shared machines). */
const CACHE_DIR_ENV = 'RAY_GITOPS_CACHE_DIR';
/** Fetches `<base>/<file>` instead of each pinned URL (a mirror); the sha256 is checked all the same. */
export const SCHEMAS_BASE_URL_ENV = 'RAY_GITOPS_SCHEMAS_BASE_URL';

/** A download or a check of the schema cache failed; the message names the file, the URL and what to do. */
class SchemaCacheError extends RayGitopsError {}

/**
 * Where the upstream CRDs are kept between runs, as the XDG base directory spec says:
 * `schemas/` in `$RAY_GITOPS_CACHE_DIR`, else in `$XDG_CACHE_HOME/ray-gitops`, else in `~/.cache/ray-gitops`
 * (the same root as the compiled validators, validator-cache.ts).
 */
export function schemaCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CACHE_DIR_ENV] && env[CACHE_DIR_ENV] !== 'off') return join(env[CACHE_DIR_ENV], 'schemas');
  const xdg = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(xdg, 'ray-gitops', 'schemas');
}

/** The CRD files in the cache (sorted); none when the cache does not exist yet. */
export async function cachedCrdFiles(cacheDir: string): Promise<string[]> {
  try {
    return (await readdir(cacheDir, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && /\.(ya?ml|json)$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new InputFileError(`cannot read the schema cache ${cacheDir} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
}

/** The pinned CRDs the cache does not hold yet. */
export async function missingUpstreamCrds(cacheDir: string): Promise<UpstreamCrd[]> {
  const present = new Set(await cachedCrdFiles(cacheDir));
  return UPSTREAM_CRDS.filter((crd) => !present.has(crd.file));
}

interface FetchCrdsOptions {
  readonly cacheDir: string;
  /** a mirror to fetch `<baseUrl>/<file>` from instead of the pinned URLs */
  readonly baseUrl?: string;
  /** per file; default 60 s */
  readonly timeoutMs?: number;
  readonly reporter?: Reporter;
  readonly crds?: readonly UpstreamCrd[];
}

export interface CacheFill {
  readonly written: readonly string[];
  /** already in the cache with the pinned sha256 */
  readonly unchanged: readonly string[];
  /** imported although not in the pinned list (import only) */
  readonly unpinned: readonly string[];
  /** one line each: what failed and what to do */
  readonly failures: readonly string[];
}

/**
 * Downloads every pinned upstream CRD into the cache, checks its sha256 before it takes the file's
 * place (a file is written whole or not at all), and leaves the files already there and correct alone.
 * One failure does not stop the others; each is reported on one line.
 */
export async function fetchUpstreamCrds(options: FetchCrdsOptions): Promise<CacheFill> {
  const reporter = options.reporter ?? silentReporter;
  const crds = options.crds ?? UPSTREAM_CRDS;
  await makeCacheDir(options.cacheDir);
  const written: string[] = [];
  const unchanged: string[] = [];
  const failures: string[] = [];
  for (const [index, crd] of crds.entries()) {
    const target = join(options.cacheDir, crd.file);
    if ((await sha256Of(target)) === crd.sha256) {
      unchanged.push(crd.file);
      reporter.info(`[${index + 1}/${crds.length}] ${crd.file}: already cached (sha256 checked)`);
      continue;
    }
    const url = options.baseUrl ? `${options.baseUrl.replace(/\/+$/, '')}/${crd.file}` : crd.url;
    try {
      const bytes = await download(url, options.timeoutMs ?? 60_000);
      const actual = sha256(bytes);
      if (actual !== crd.sha256) {
        throw new SchemaCacheError(`${crd.file} from ${url} has sha256 ${actual}, not the pinned ${crd.sha256}; not cached (a proxy or mirror changed it?)`);
      }
      await writeWhole(target, bytes);
      written.push(crd.file);
      reporter.info(`[${index + 1}/${crds.length}] ${crd.file}: ${(bytes.length / 1024).toFixed(0)} KiB from ${url}, sha256 checked`);
    } catch (error) {
      const message = error instanceof SchemaCacheError ? error.message : `${crd.file}: ${(error as Error).message}`;
      failures.push(message);
      reporter.error(message);
    }
  }
  return { written, unchanged, unpinned: [], failures };
}

/**
 * Fills the cache from a local folder (air-gapped machines): files named like a pinned CRD must have
 * its sha256; other CRD files are imported as they are and said to be unpinned; anything else is left.
 */
export async function importCrds(sourceDir: string, options: { readonly cacheDir: string; readonly reporter?: Reporter }): Promise<CacheFill> {
  const reporter = options.reporter ?? silentReporter;
  let names: string[];
  try {
    names = (await readdir(sourceDir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort();
  } catch (error) {
    throw new InputFileError(`cannot read ${sourceDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}); give the folder that holds the CRD files`, { cause: error });
  }
  await makeCacheDir(options.cacheDir);
  const pinned = new Map(UPSTREAM_CRDS.map((crd) => [crd.file, crd]));
  const written: string[] = [];
  const unchanged: string[] = [];
  const unpinned: string[] = [];
  const failures: string[] = [];
  for (const name of names.filter((file) => /\.(ya?ml|json)$/.test(file))) {
    const source = join(sourceDir, name);
    const bytes = await readFile(source);
    const crd = pinned.get(name);
    if (crd) {
      const actual = sha256(bytes);
      if (actual !== crd.sha256) {
        const message = `${source} has sha256 ${actual}, not the pinned ${crd.sha256} of ${crd.kind}; not imported (take the file from ${crd.url})`;
        failures.push(message);
        reporter.error(message);
        continue;
      }
      if ((await sha256Of(join(options.cacheDir, name))) === crd.sha256) {
        unchanged.push(name);
        continue;
      }
    } else if (!/^kind:\s*["']?CustomResourceDefinition\b/m.test(bytes.toString('utf8'))) {
      continue;
    } else {
      unpinned.push(name);
    }
    await writeWhole(join(options.cacheDir, name), bytes);
    written.push(name);
  }
  reporter.info(
    `imported into ${options.cacheDir}: ${written.length - unpinned.length} pinned CRD(s) (sha256 checked)` +
      `${unchanged.length > 0 ? `, ${unchanged.length} already there` : ''}` +
      `${unpinned.length > 0 ? `, ${unpinned.length} not in the pinned list, as they are (${unpinned.join(', ')})` : ''}`,
  );
  const missing = await missingUpstreamCrds(options.cacheDir);
  if (missing.length > 0) reporter.warning(`the cache still lacks ${missing.map((crd) => crd.file).join(', ')}; 'ray-gitops schemas fetch' downloads them`);
  return { written, unchanged, unpinned, failures };
}

async function download(url: string, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new SchemaCacheError(`cannot reach ${url} (${cause}); check the network or proxy, or copy the files over and run 'ray-gitops schemas import DIR'`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new SchemaCacheError(`${url} answered ${response.status} ${response.statusText}`.trim());
  }
  return Buffer.from(await response.arrayBuffer());
}

async function makeCacheDir(cacheDir: string): Promise<void> {
  try {
    await mkdir(cacheDir, { recursive: true });
  } catch (error) {
    throw new InputFileError(`cannot create the schema cache ${cacheDir} (${(error as NodeJS.ErrnoException).code ?? String(error)}); set ${CACHE_DIR_ENV} to a writable folder`, { cause: error });
  }
}

/** Writes through a temporary name in the same folder, so a reader never sees half a file. */
async function writeWhole(target: string, bytes: Buffer): Promise<void> {
  const temporary = join(target, '..', `.${basename(target)}.${process.pid}.partial`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function sha256Of(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file));
  } catch {
    return undefined;
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

