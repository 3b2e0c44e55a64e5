import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Ajv } from 'ajv';
import { ajvResourceSchema, normalizeOpenApi, SchemaLoadError } from './ajv.js';
import { parseLocationTemplate, templateData } from './location-template.js';
import type { ResourceSchema, SchemaRequest, SchemaSource } from './source.js';
import { UsageError } from '../../errors/errors.js';

export type FetchLike = (url: string) => Promise<{ status: number; text(): Promise<string> }>;

interface LocationSourceOptions {
  /** directory of downloaded schemas, one file per URL named sha256(URL) in hex, as kubeconform's -cache */
  readonly cacheDir?: string;
  /** for tests and proxies; defaults to the global fetch */
  readonly fetch?: FetchLike;
}

/**
 * Schemas from a kubeconform-style `--schema-location`: a local path or an http(s) URL, templated per
 * resource. A missing file or a 404 means "not here" (the next location is tried); any other failure
 * stops the run. Remote `$ref`s (the non-standalone layout's `_definitions.json`) are fetched the same
 * way, through the same cache.
 */
export function locationSchemaSource(location: string, options: LocationSourceOptions = {}): SchemaSource {
  const template = parseLocationTemplate(location);
  const loader = new SchemaLoader(options);
  let ajv: Promise<Ajv> | undefined;
  const compiler = () =>
    (ajv ??= import('./ajv-compiler.js').then(({ createAjv }) => createAjv({ loadSchema: async (uri) => (await loader.load(uri, true)) as Record<string, unknown> })));
  // one compile per schema address, shared by every kind that expands to it
  const compiled = new Map<string, Promise<ResourceSchema | undefined>>();
  const compile = async (address: string): Promise<ResourceSchema | undefined> => {
    const id = isHttp(address) ? address : pathToFileURL(resolve(address)).href;
    const schema = await loader.load(id, false);
    if (schema === undefined) return undefined;
    try {
      return ajvResourceSchema(address, await (await compiler()).compileAsync({ ...(schema as object), $id: id }));
    } catch (error) {
      if (error instanceof SchemaLoadError) throw error;
      throw new SchemaLoadError(`schema ${address} does not compile: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    name: template.location,
    find(request: SchemaRequest) {
      const address = template.expand(templateData(request));
      let pending = compiled.get(address);
      if (!pending) {
        pending = compile(address);
        compiled.set(address, pending);
      }
      return pending;
    },
  };
}

/** Checks a `--cache` directory up front, as kubeconform does. */
export async function checkCacheDir(cacheDir: string): Promise<void> {
  let isDirectory = false;
  try {
    isDirectory = (await stat(cacheDir)).isDirectory();
  } catch {
    throw new UsageError(`failed opening cache folder ${cacheDir}: no such directory; create it first`);
  }
  if (!isDirectory) throw new UsageError(`cache folder ${cacheDir} is not a directory`);
}

/** The cache file of a URL: sha256 of the URL text, hex (kubeconform's pkg/cache/ondisk.go layout). */
export function cacheFileName(url: string): string {
  return createHash('sha256').update(url).digest('hex');
}

class SchemaLoader {
  constructor(private readonly options: LocationSourceOptions) {}

  /** The parsed schema at `address` (file: or http(s): URL), or undefined when it does not exist. */
  async load(address: string, required: boolean): Promise<unknown> {
    const url = address.replace(/#.*$/, '');
    const text = isHttp(url) ? await this.download(url) : await readLocal(url);
    if (text === undefined) {
      if (required) throw new SchemaLoadError(`could not find schema at ${url} (referenced by another schema)`);
      return undefined;
    }
    try {
      return normalizeOpenApi(JSON.parse(text));
    } catch (error) {
      throw new SchemaLoadError(`schema at ${url} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  private async download(url: string): Promise<string | undefined> {
    const { cacheDir } = this.options;
    const cached = cacheDir ? join(cacheDir, cacheFileName(url)) : undefined;
    if (cached) {
      try {
        return await readFile(cached, 'utf8');
      } catch {
        // not cached yet
      }
    }
    const fetcher = this.options.fetch ?? ((u: string) => fetch(u));
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetcher(url);
    } catch (error) {
      throw new SchemaLoadError(`failed downloading schema at ${url}: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      throw new SchemaLoadError(`error while downloading schema at ${url}: received HTTP status ${response.status}`);
    }
    const body = await response.text();
    if (cached) await writeFile(cached, body, { flag: 'wx' }).catch(() => undefined);
    return body;
  }
}

async function readLocal(url: string): Promise<string | undefined> {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw new SchemaLoadError(`cannot read schema ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function isHttp(address: string): boolean {
  return /^https?:\/\//i.test(address);
}
