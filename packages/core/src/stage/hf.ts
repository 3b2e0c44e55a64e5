import { requireSafeEntryName } from './entry-path.js';
import { StageError } from './errors.js';
import { explainHttpFailure, httpError } from './http.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { attemptCause } from './s3-errors.js';
import { DEFAULT_TIMEOUT_MS } from './s3.js';
import type { ResolvedSource, SourceFile } from './types.js';
import { hubConnection, nextLink } from '../hub/index.js';
import { formatSeconds, guardedFetch, printableUrl } from '../net/index.js';
import { sourceIdentity } from '../staged/source-identity.js';

export { DEFAULT_HF_ENDPOINT } from '../hub/index.js';

export interface HuggingFaceOptions {
  /** Hub base URL; default HF_ENDPOINT or https://huggingface.co */
  readonly endpoint?: string;
  /** default HF_TOKEN; never printed */
  readonly token?: string;
  readonly retry?: RetryPolicy;
  readonly onRetry?: (message: string) => void;
  /** no byte moving for this long fails a request (retried, ending within twice this); default 120 s */
  readonly timeoutMs?: number;
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
 * `/resolve/` following the redirect to the CDN host (never from https to http), `Range` to resume.
 */
export async function resolveHuggingFace(repo: string, revision: string, options: HuggingFaceOptions = {}): Promise<ResolvedSource> {
  const connection = hubConnection(options);
  const { endpoint } = connection;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const hub = connection.description;
  const context = { repo, endpoint, hasToken: connection.token !== undefined };
  const auth = connection.authorization;

  const getJson = async (url: string, what: string): Promise<{ body: unknown; next?: string }> => {
    let attempts = 0;
    try {
      return await withRetry(
        async (attempt, signal) => {
          attempts = attempt + 1;
          const answer = await guardedFetch(url, { headers: (target) => ({ accept: 'application/json', ...auth(target) }), idleTimeoutMs: timeoutMs, ...withSignals(signal, options.signal) });
          if (!answer.response.ok) {
            await answer.discard();
            throw httpError(answer.response, `${what} ${printableUrl(url)}`, context);
          }
          const next = nextLink(answer.response.headers.get('link'), url);
          const text = await answer.text();
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            throw new StageError(`${what}: ${printableUrl(url)} did not answer JSON; is ${endpoint} a Hugging Face endpoint?`);
          }
          return { body, ...(next ? { next } : {}) };
        },
        {
          ...(options.retry ? { policy: options.retry } : {}),
          stallWindowMs: timeoutMs,
          onRetry: (error, _attempt, wait, event) => options.onRetry?.(`${hub} ${attemptCause(error)} (${what}), retry ${event.attempt}/${event.attempts - 1} in ${formatSeconds(wait)}`),
        },
      );
    } catch (error) {
      throw explainHttpFailure(error, { where: hub, operation: what, attempts, timeoutMs, advice: 'check HF_ENDPOINT and the network (is the Hub reachable from here?)' });
    }
  };

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
        path: requireSafeEntryName(String(entry.path), `${repo}@${commit.slice(0, 12)} on ${hub}`),
        size: entry.lfs?.size ?? entry.size,
        ...(entry.lfs ? { sha256: entry.lfs.oid } : entry.oid ? { gitSha1: entry.oid } : {}),
      });
    }
    url = page.next;
  }
  const [org, name] = repo.split('/') as [string, string];

  return {
    description: sourceIdentity({ kind: 'huggingface', repo, revision }),
    kind: 'huggingface',
    org,
    name,
    commit,
    files,
    async open(file, offset, signal) {
      const start = `${endpoint}/${encodedRepo}/resolve/${commit}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
      const answer = await guardedFetch(start, {
        headers: (target) => ({ ...auth(target), ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) }),
        idleTimeoutMs: timeoutMs,
        ...(signal ? { signal } : {}),
      });
      const { response } = answer;
      const shown = printableUrl(answer.url);
      if (response.status === 416 && offset >= file.size) {
        await answer.discard();
        return (async function* () {})();
      }
      if (!response.ok) {
        await answer.discard();
        throw httpError(response, `downloading ${repo}/${file.path} from ${shown}`, context);
      }
      if (offset > 0 && response.status !== 206) return skip(answer.chunks(), offset);
      if (offset > 0) {
        const range = /bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
        if (!range || Number(range[1]) !== offset) {
          await answer.discard();
          throw new StageError(`${shown} answered a Range request for byte ${offset} with '${(response.headers.get('content-range') ?? '').slice(0, 60)}'`);
        }
      }
      return answer.chunks();
    },
  };
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

/** The attempt's own signal and the caller's deadline (the plan's overall Hub timeout), whichever ends first. */
function withSignals(...signals: (AbortSignal | undefined)[]): { signal?: AbortSignal } {
  const given = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return given.length === 0 ? {} : { signal: given.length === 1 ? given[0]! : AbortSignal.any(given) };
}
