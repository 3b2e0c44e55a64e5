import { createHash } from 'node:crypto';
import { requireSafeEntryName, quotedName } from './entry-path.js';
import { IntegrityError, StageError } from './errors.js';
import { explainHttpFailure, httpError } from './http.js';
import { safeName } from './local-dir.js';
import { withRetry, type RetryPolicy } from './retry.js';
import { DEFAULT_TIMEOUT_MS } from './s3.js';
import { readTar, type TarEntry } from './tar-reader.js';
import type { ResolvedSource } from './types.js';
import { formatSeconds, guardedFetch, printableUrl, requireAllowedUrl } from '../net/index.js';
import { sourceIdentity } from '../staged/source-identity.js';

export { readTar, MAX_TAR_METADATA, TarFormatError, type TarEntry, type SkippedTarEntry } from './tar-reader.js';

/** The org word for archives fetched by URL. */
const URL_ORG = 'url';

/**
 * A .tar archive over HTTPS. The archive is read once, streaming, to list its entries (ustar, pax
 * and GNU long names), hash every entry and the whole archive (checked against `sha256` when given);
 * the archive's sha256 becomes the commit. Entries are then read with HTTP Range requests straight
 * into S3, so nothing touches the disk and an interrupted upload resumes inside an entry. The price
 * is reading the archive twice over the network.
 */
interface TarUrlOptions {
  /** expected lowercase hex sha256 of the archive */
  readonly sha256?: string;
  /** the model name; default the archive's file name without .tar */
  readonly name?: string;
  readonly retry?: RetryPolicy;
  readonly onRetry?: (message: string) => void;
  /** links and special files passed over, one line each */
  readonly onNote?: (message: string) => void;
  /** no byte moving for this long fails a request (retried, ending within twice this); default 120 s */
  readonly timeoutMs?: number;
}

export async function resolveTarUrl(url: string, options: TarUrlOptions = {}): Promise<ResolvedSource> {
  requireAllowedUrl(url, 'the archive URL');
  const shown = printableUrl(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let entries: TarEntry[] = [];
  const skipped: string[] = [];
  let sha256 = '';
  let attempts = 0;
  try {
    await withRetry(
      async (attempt, signal) => {
        attempts = attempt + 1;
        entries = [];
        skipped.length = 0;
        const answer = await guardedFetch(url, { idleTimeoutMs: timeoutMs, ...(signal ? { signal } : {}) });
        if (!answer.response.ok) {
          await answer.discard();
          throw httpError(answer.response, `downloading ${shown}`);
        }
        const hash = createHash('sha256');
        await readTar(answer.chunks(), hash, (entry) => entries.push(entry), (entry) =>
          skipped.push(`${quotedName(entry.path)} (${entry.kind}${entry.target !== undefined ? ` to ${quotedName(entry.target)}` : ''})`),
        );
        sha256 = hash.digest('hex');
      },
      {
        ...(options.retry ? { policy: options.retry } : {}),
        stallWindowMs: timeoutMs,
        onRetry: (error, _attempt, wait, event) => options.onRetry?.(`${shown}: ${(error as Error).message}, retry ${event.attempt}/${event.attempts - 1} in ${formatSeconds(wait)}`),
      },
    );
  } catch (error) {
    throw explainHttpFailure(error, { where: shown, operation: `reading the archive ${shown}`, attempts, timeoutMs, advice: 'check the URL and the network' });
  }
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) throw new IntegrityError(`${shown}: the archive's sha256 is ${sha256}, not the expected ${options.sha256}`);
  // every name is checked before any byte goes to S3: one bad entry refuses the whole archive
  // (one leading ./, as `tar -C dir .` writes it, is the archive's root, not a component)
  entries = entries.map((entry) => ({ ...entry, path: entry.path.startsWith('./') ? entry.path.slice(2) : entry.path }));
  for (const entry of entries) requireSafeEntryName(entry.path, `the archive ${shown}`);
  if (skipped.length > 0) options.onNote?.(`${shown}: not staging ${skipped.length} link(s) or special file(s), only regular files are: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', …' : ''}`);
  // a name given twice: the later entry wins, as when tar extracts
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const unique = [...byPath.values()];
  const base = new URL(url).pathname.split('/').pop() ?? 'model';
  // archives usually wrap their files in one top directory; strip it
  const tops = new Set(unique.map((e) => e.path.split('/')[0]));
  const strip = tops.size === 1 && unique.every((e) => e.path.includes('/')) ? `${[...tops][0]}/` : '';
  const files = unique.map((e) => ({ ...e, path: e.path.slice(strip.length) }));
  return {
    description: sourceIdentity({ kind: 'url', url, ...(options.sha256 ? { sha256: options.sha256 } : {}) }),
    kind: 'url',
    org: URL_ORG,
    name: safeName(options.name ?? base.replace(/\.tar$/, '')),
    commit: `sha256-${sha256.slice(0, 32)}`,
    files,
    async open(file, offset, signal) {
      const entry = file as TarEntry;
      const first = entry.dataOffset + offset;
      const last = entry.dataOffset + entry.size - 1;
      if (offset >= entry.size) return (async function* () {})();
      const answer = await guardedFetch(url, { headers: () => ({ range: `bytes=${first}-${last}` }), idleTimeoutMs: timeoutMs, ...(signal ? { signal } : {}) });
      if (answer.response.status !== 206) {
        await answer.discard();
        if (answer.response.ok) throw new StageError(`${shown} does not serve byte ranges; the archive cannot be staged without a scratch disk`);
        throw httpError(answer.response, `reading ${file.path} from ${shown}`);
      }
      const range = /^bytes (\d+)-(\d+)\//.exec(answer.response.headers.get('content-range') ?? '');
      if (!range || Number(range[1]) !== first || Number(range[2]) !== last) {
        await answer.discard();
        throw new StageError(`${shown} answered a Range request for bytes ${first}-${last} with '${(answer.response.headers.get('content-range') ?? '').slice(0, 60)}'`);
      }
      return answer.chunks();
    },
  };
}
