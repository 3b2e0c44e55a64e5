import { createHash } from 'node:crypto';
import { IntegrityError, RetryableError, StageError } from './errors.js';
import { bodyChunks, httpError, printableUrl } from './http.js';
import { safeName } from './local-dir.js';
import { withRetry, type RetryPolicy } from './retry.js';
import type { ResolvedSource, SourceFile } from './types.js';
import { sourceIdentity } from '../staged/source-identity.js';

/** The org word for archives fetched by URL. */
export const URL_ORG = 'url';

interface TarEntry extends SourceFile {
  /** where the entry's bytes start in the archive */
  readonly dataOffset: number;
}

const BLOCK = 512;

/**
 * A .tar archive over HTTP(S). The archive is read once, streaming, to list its entries (ustar, pax
 * and GNU long names), hash every entry and the whole archive (checked against `sha256` when given);
 * the archive's sha256 becomes the commit. Entries are then read with HTTP Range requests straight
 * into S3, so nothing touches the disk and an interrupted upload resumes inside an entry. The price
 * is reading the archive twice over the network.
 */
export interface TarUrlOptions {
  /** expected lowercase hex sha256 of the archive */
  readonly sha256?: string;
  /** the model name; default the archive's file name without .tar */
  readonly name?: string;
  readonly retry?: RetryPolicy;
  readonly onRetry?: (message: string) => void;
}

export async function resolveTarUrl(url: string, options: TarUrlOptions = {}): Promise<ResolvedSource> {
  const shown = printableUrl(url);
  const entries: TarEntry[] = [];
  let sha256 = '';
  await withRetry(
    async () => {
      entries.length = 0;
      const response = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
      if (!response.ok) {
        await response.body?.cancel();
        throw httpError(response, `downloading ${shown}`);
      }
      const hash = createHash('sha256');
      await readTar(bodyChunks(response), hash, (entry) => entries.push(entry));
      sha256 = hash.digest('hex');
    },
    { ...(options.retry ? { policy: options.retry } : {}), onRetry: (error, attempt, wait) => options.onRetry?.(`${shown}: ${(error as Error).message} (attempt ${attempt + 1}, waiting ${wait} ms)`) },
  );
  if (options.sha256 && sha256 !== options.sha256.toLowerCase()) throw new IntegrityError(`${shown}: the archive's sha256 is ${sha256}, not the expected ${options.sha256}`);
  const base = new URL(url).pathname.split('/').pop() ?? 'model';
  // archives usually wrap their files in one top directory; strip it
  const tops = new Set(entries.map((e) => e.path.split('/')[0]));
  const strip = tops.size === 1 && entries.every((e) => e.path.includes('/')) ? `${[...tops][0]}/` : '';
  const files = entries.map((e) => ({ ...e, path: e.path.slice(strip.length) }));
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
      const response = await fetch(url, { headers: { 'range': `bytes=${first}-${last}`, 'accept-encoding': 'identity' }, ...(signal ? { signal } : {}) });
      if (response.status !== 206) {
        await response.body?.cancel();
        if (response.ok) throw new StageError(`${shown} does not serve byte ranges; the archive cannot be staged without a scratch disk`);
        throw httpError(response, `reading ${file.path} from ${shown}`);
      }
      return bodyChunks(response);
    },
  };
}

/** Parses a tar stream: calls `onEntry` for each regular file with its sha256; hashes everything into `archive`. */
export async function readTar(
  chunks: AsyncIterable<Uint8Array>,
  archive: { update(data: Uint8Array): unknown },
  onEntry: (entry: TarEntry) => void,
): Promise<void> {
  let pending = Buffer.alloc(0);
  let position = 0;
  let state: { kind: 'header' } | { kind: 'data'; left: number; pad: number; file?: { path: string; size: number; dataOffset: number; hash: ReturnType<typeof createHash> }; meta?: Buffer[] } = { kind: 'header' };
  let longName: string | undefined;
  let paxPath: string | undefined;
  let ended = false;
  for await (const chunk of chunks) {
    archive.update(chunk);
    if (ended) continue;
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    let at = 0;
    while (!ended) {
      if (state.kind === 'header') {
        if (pending.length - at < BLOCK) break;
        const header = pending.subarray(at, at + BLOCK);
        at += BLOCK;
        position += BLOCK;
        if (header.every((b) => b === 0)) {
          ended = true;
          break;
        }
        const size = parseOctal(header.subarray(124, 136));
        const type = String.fromCharCode(header[156] || 48);
        const name = cString(header.subarray(0, 100));
        const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
        const pad = (BLOCK - (size % BLOCK)) % BLOCK;
        if (type === 'L' || type === 'x') {
          state = { kind: 'data', left: size, pad, meta: [] };
          (state as { type?: string }).type = type;
        } else {
          const path = (paxPath ?? longName ?? (prefix ? `${prefix}/${name}` : name)).replace(/^\.\//, '');
          paxPath = undefined;
          longName = undefined;
          const file = type === '0' || type === '\0' || type === '7' ? { path, size, dataOffset: position, hash: createHash('sha256') } : undefined;
          state = { kind: 'data', left: size, pad, ...(file ? { file } : {}) };
        }
      }
      if (state.kind === 'data') {
        const take = Math.min(state.left, pending.length - at);
        const piece = pending.subarray(at, at + take);
        state.file?.hash.update(piece);
        state.meta?.push(Buffer.from(piece));
        at += take;
        position += take;
        state.left -= take;
        if (state.left > 0) break;
        if (pending.length - at < state.pad) break;
        at += state.pad;
        position += state.pad;
        if (state.meta) {
          const text = Buffer.concat(state.meta).toString('utf8');
          if ((state as { type?: string }).type === 'L') longName = text.replace(/\0.*$/s, '');
          else paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? paxPath;
        }
        if (state.file && !state.file.path.endsWith('/')) onEntry({ path: state.file.path, size: state.file.size, sha256: state.file.hash.digest('hex'), dataOffset: state.file.dataOffset });
        state = { kind: 'header' };
      }
    }
    pending = pending.subarray(at);
  }
  if (!ended && (state.kind !== 'header' || pending.length > 0)) throw new RetryableError('the archive ended in the middle of an entry (a dropped connection, or not a .tar)');
}

function parseOctal(field: Uint8Array): number {
  if (field[0]! >= 0x80) {
    // base-256 (GNU) for sizes of 8 GiB and more
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = Buffer.from(field).toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}
