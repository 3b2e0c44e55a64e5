import { StageError, SourceNotFoundError } from './errors.js';
import { printableUrl, bodyChunks, httpError } from './http.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { ResolvedSource, SourceFile } from './types.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface HuggingFaceOptions {
  /** Hub base URL; default HF_ENDPOINT or https://huggingface.co */
  readonly endpoint?: string;
  /** default HF_TOKEN; never printed */
  readonly token?: string;
  readonly retry?: RetryPolicy;
  readonly onRetry?: (message: string) => void;
  /** ends the listing requests (the plan's Hub deadline) */
  readonly signal?: AbortSignal;
}

interface TreeEntry {
  type: string;
  path: string;
  size: number;
  oid?: string;
  lfs?: { oid: string; size: number };
}

/** `org/name@rev` → parts; the revision defaults to main. */
export function parseHfRef(ref: string): { repo: string; revision: string } {
  const at = ref.indexOf('@');
  const repo = at < 0 ? ref : ref.slice(0, at);
  const revision = at < 0 ? 'main' : ref.slice(at + 1);
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo) || revision === '') throw new StageError(`'${ref}' is not a Hugging Face reference; write it as org/name or org/name@revision`);
  return { repo, revision };
}

/**
 * A Hugging Face Hub model over its REST API: the revision resolved to a commit, the file tree
 * (paginated by `Link: rel="next"`) with LFS sha256 and git blob sha1, files streamed from
 * `/resolve/` following the redirect to the CDN host, `Range` to resume.
 */
export async function resolveHuggingFace(repo: string, revision: string, options: HuggingFaceOptions = {}): Promise<ResolvedSource> {
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  const token = (options.token ?? process.env.HF_TOKEN) || undefined;
  const context = { repo, endpoint, hasToken: token !== undefined };
  const auth = (url: string): Record<string, string> => (token && new URL(url).origin === new URL(endpoint).origin ? { authorization: `Bearer ${token}` } : {});
  const retry = <T>(what: string, work: () => Promise<T>) =>
    withRetry(work, { ...(options.retry ? { policy: options.retry } : {}), onRetry: (error, attempt, wait) => options.onRetry?.(`${what}: ${(error as Error).message} (attempt ${attempt + 1}, waiting ${wait} ms)`) });

  const getJson = async (url: string, what: string): Promise<{ body: unknown; next?: string }> =>
    retry(what, async () => {
      const response = await fetch(url, { headers: { accept: 'application/json', ...auth(url) }, ...(options.signal ? { signal: options.signal } : {}) });
      if (!response.ok) {
        await response.body?.cancel();
        throw httpError(response, `${what} ${printableUrl(url)}`, context);
      }
      const next = nextLink(response.headers.get('link'), url);
      return { body: await response.json(), ...(next ? { next } : {}) };
    });

  const encodedRepo = repo.split('/').map(encodeURIComponent).join('/');
  const info = await getJson(`${endpoint}/api/models/${encodedRepo}/revision/${encodeURIComponent(revision)}`, `resolving ${repo}@${revision}`);
  const commit = (info.body as { sha?: unknown }).sha;
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) throw new StageError(`the Hub answered ${repo}@${revision} without a commit sha; is ${endpoint} a Hugging Face endpoint?`);

  const files: SourceFile[] = [];
  let url: string | undefined = `${endpoint}/api/models/${encodedRepo}/tree/${commit}?recursive=true`;
  while (url) {
    const page: { body: unknown; next?: string } = await getJson(url, `listing ${repo}@${commit.slice(0, 12)}`);
    if (!Array.isArray(page.body)) throw new StageError(`the Hub's file list for ${repo} is not an array`);
    for (const entry of page.body as TreeEntry[]) {
      if (entry.type !== 'file') continue;
      files.push({
        path: entry.path,
        size: entry.lfs?.size ?? entry.size,
        ...(entry.lfs ? { sha256: entry.lfs.oid } : entry.oid ? { gitSha1: entry.oid } : {}),
      });
    }
    url = page.next;
  }
  const [org, name] = repo.split('/') as [string, string];

  return {
    description: `huggingface:${repo}@${revision}`,
    kind: 'huggingface',
    org,
    name,
    commit,
    files,
    async open(file, offset, signal) {
      const start = `${endpoint}/${encodedRepo}/resolve/${commit}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
      let target = start;
      for (let hop = 0; hop < 6; hop++) {
        // Authorization goes only to the Hub's own origin, never to the CDN host it redirects to.
        const headers: Record<string, string> = { ...auth(target), ...(offset > 0 ? { range: `bytes=${offset}-` } : {}), 'accept-encoding': 'identity' };
        const response = await fetch(target, { headers, redirect: 'manual', ...(signal ? { signal } : {}) });
        if (response.status >= 300 && response.status < 400) {
          const location = response.headers.get('location');
          await response.body?.cancel();
          if (!location) throw new StageError(`${printableUrl(target)} redirected without a Location`);
          target = new URL(location, target).toString();
          continue;
        }
        if (response.status === 416 && offset >= file.size) {
          await response.body?.cancel();
          return (async function* () {})();
        }
        if (!response.ok) {
          await response.body?.cancel();
          throw httpError(response, `downloading ${repo}/${file.path} from ${printableUrl(target)}`, context);
        }
        if (offset > 0 && response.status !== 206) return skip(bodyChunks(response), offset);
        if (offset > 0) {
          const range = /bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
          if (!range || Number(range[1]) !== offset) throw new StageError(`${printableUrl(target)} answered a Range request for byte ${offset} with '${response.headers.get('content-range') ?? ''}'`);
        }
        return bodyChunks(response);
      }
      throw new SourceNotFoundError(`${printableUrl(start)} redirected more than 5 times`);
    },
  };
}

function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part.trim());
    if (match) return new URL(match[1]!, base).toString();
  }
  return undefined;
}

async function* skip(chunks: AsyncIterable<Uint8Array>, bytes: number): AsyncIterable<Uint8Array> {
  let left = bytes;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
