import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseHfConfig, parseMistralParams, type ModelShape } from './model-shape.js';
import { InputFileError, RayGitopsError } from '../errors/errors.js';
import { hubConnection, hubGet, nextLink, type HubAnswer, type HubConnectionOptions } from '../hub/index.js';
import type { RetryPolicy } from '../net/index.js';
import { preferredSafetensors } from '../staged/weight-format.js';

/** What the fit check knows about a model: its shape, and the bytes of its weight files when known. */
export interface ModelMetadata {
  /** how people name it: `Qwen/Qwen2.5-7B-Instruct@main`, a directory */
  readonly label: string;
  readonly shape: ModelShape;
  /** bytes of the safetensors files vLLM would load; undefined when unknown */
  readonly weightBytes?: number;
}

/** A Hugging Face Hub request that failed in a way the user can act on (gated, missing, unreachable). */
export class ModelMetadataError extends RayGitopsError {}

export interface WeightFile {
  readonly path: string;
  readonly size: number;
}

/**
 * Bytes of the weights vLLM loads from a file list: the sharded `model*.safetensors` of a Hugging Face
 * checkpoint, or the `consolidated*.safetensors` of a Mistral-native one (never both, never `original/`).
 */
export function safetensorsBytes(files: readonly WeightFile[]): number | undefined {
  const { chosen } = preferredSafetensors(files.filter((file) => !file.path.split('/').includes('original')));
  return chosen.length === 0 ? undefined : chosen.reduce((sum, file) => sum + file.size, 0);
}

/** Reads config.json (or params.json) and the safetensors sizes from a local model directory. */
export async function loadModelMetadataFromDir(dir: string): Promise<ModelMetadata> {
  const shape = await readShape(dir);
  const files: WeightFile[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.safetensors')) files.push({ path: relative(dir, path).split(sep).join('/'), size: (await stat(path)).size });
    }
  };
  await walk(dir);
  const weightBytes = safetensorsBytes(files);
  return { label: dir, shape, ...(weightBytes !== undefined ? { weightBytes } : {}) };
}

async function readShape(dir: string): Promise<ModelShape> {
  for (const [name, parse] of [['config.json', parseHfConfig], ['params.json', parseMistralParams]] as const) {
    let text: string;
    try {
      text = await readFile(join(dir, name), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw new InputFileError(`cannot read ${join(dir, name)} (${code ?? String(error)})`, { cause: error });
    }
    return parse(parseJson(text, join(dir, name)), join(dir, name));
  }
  throw new InputFileError(`${dir} has neither config.json nor params.json; point --model at the model's directory or its Hub repository`);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputFileError(`${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

export interface HubOptions extends HubConnectionOptions {
  /** a signal for each Hub request; a caller that bounds its requests (the plan's Hub lookups) passes one */
  readonly requestSignal?: () => AbortSignal;
}

/** A metadata lookup is small: a stalled Hub fails it after this, and a busy one is asked a few times only. */
const HUB_TIMEOUT_MS = 30_000;
const HUB_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, maxMs: 4_000 };

/** `org/name@rev` → repository and revision (default `main`). */
export function parseHubModel(spec: string): { repo: string; revision: string } {
  const at = spec.lastIndexOf('@');
  const repo = at === -1 ? spec : spec.slice(0, at);
  const revision = at === -1 ? 'main' : spec.slice(at + 1);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\/[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(repo) || revision === '') {
    throw new InputFileError(`'${spec}' is neither a directory nor a Hub repository as org/name[@revision]`);
  }
  return { repo, revision };
}

/**
 * Reads a model's config.json (or params.json) and the sizes of its files from the Hugging Face Hub
 * REST API: `/{repo}/resolve/{rev}/config.json` and `/api/models/{repo}/tree/{rev}?recursive=true`
 * (following `Link: rel="next"` pages), through the Hub client the stager uses (hub/).
 */
export async function loadModelMetadataFromHub(spec: string, options: HubOptions = {}): Promise<ModelMetadata> {
  const { repo, revision } = parseHubModel(spec);
  const hub = hubConnection(options);
  const { endpoint, token } = hub;
  const get = async (url: string): Promise<HubAnswer | undefined> => {
    let answer: HubAnswer;
    try {
      const bound = options.requestSignal ? { requestSignal: options.requestSignal } : {};
      answer = await hubGet(hub, url, { timeoutMs: HUB_TIMEOUT_MS, retry: HUB_RETRY, ...bound });
    } catch (error) {
      throw new ModelMetadataError(`cannot reach the Hugging Face Hub at ${endpoint} (${(error as Error).message}); check HF_ENDPOINT and the network, or pass a local directory`, { cause: error });
    }
    const code = answer.headers.get('x-error-code') ?? '';
    if (answer.status === 404 && code === 'EntryNotFound') return undefined;
    if (answer.status >= 200 && answer.status < 300) return answer;
    if (answer.status === 401 || answer.status === 403 || code === 'GatedRepo') {
      throw new ModelMetadataError(
        `${repo} is gated or private (HTTP ${answer.status}); ${token ? 'the token in HF_TOKEN has no access to it: accept its license on the Hub' : 'set HF_TOKEN to a token with access'}, or pass a local directory`,
      );
    }
    if (code === 'RepoNotFound') throw new ModelMetadataError(`${repo} does not exist on ${endpoint}`);
    if (code === 'RevisionNotFound') throw new ModelMetadataError(`${repo} has no revision '${revision}'`);
    if (answer.status === 404) return undefined;
    throw new ModelMetadataError(`the Hub answered HTTP ${answer.status} for ${new URL(url).pathname}; try again later`);
  };

  const rev = encodeURIComponent(revision);
  let shape: ModelShape | undefined;
  for (const [name, parse] of [['config.json', parseHfConfig], ['params.json', parseMistralParams]] as const) {
    const answer = await get(`${endpoint}/${repo}/resolve/${rev}/${name}`);
    if (!answer) continue;
    shape = parse(parseJson(answer.text, `${repo}/${name}`), `${repo}@${revision}/${name}`);
    break;
  }
  if (!shape) throw new ModelMetadataError(`${repo}@${revision} has neither config.json nor params.json`);

  const files: WeightFile[] = [];
  let next: string | undefined = `${endpoint}/api/models/${repo}/tree/${rev}?recursive=true`;
  for (let page = 0; next !== undefined && page < 100; page += 1) {
    const answer = await get(next);
    if (!answer) break;
    const listing = parseJson(answer.text, `${repo} file listing`);
    if (Array.isArray(listing)) {
      for (const item of listing as { type?: unknown; path?: unknown; size?: unknown; lfs?: { size?: unknown } }[]) {
        const size = typeof item.lfs?.size === 'number' ? item.lfs.size : item.size;
        if (item.type === 'file' && typeof item.path === 'string' && typeof size === 'number') files.push({ path: item.path, size });
      }
    }
    next = nextLink(answer.headers.get('link'), next);
  }
  const weightBytes = safetensorsBytes(files);
  return { label: `${repo}@${revision}`, shape, ...(weightBytes !== undefined ? { weightBytes } : {}) };
}

/** A directory when it exists, otherwise a Hub repository. */
export async function loadModelMetadata(spec: string, options: HubOptions = {}): Promise<ModelMetadata> {
  try {
    if ((await stat(spec)).isDirectory()) return await loadModelMetadataFromDir(spec);
  } catch (error) {
    if (error instanceof RayGitopsError) throw error;
    // not a local path: a Hub repository
  }
  return loadModelMetadataFromHub(spec, options);
}
