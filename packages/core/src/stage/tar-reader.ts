import { createHash, type Hash } from 'node:crypto';
import { quotedName } from './entry-path.js';
import { RetryableError, StageError } from './errors.js';

/** One regular file of an archive, with where its bytes start and their sha256. */
export interface TarEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** where the entry's bytes start in the archive */
  readonly dataOffset: number;
}

/** An entry the reader passed over (link, device, fifo): said out loud, never silently. */
export interface SkippedTarEntry {
  readonly path: string;
  readonly kind: string;
  readonly target?: string;
}

const BLOCK = 512;
/** The most one metadata record (pax header, GNU long name) may hold: real ones are a few hundred bytes. */
export const MAX_TAR_METADATA = 1024 * 1024;

/** The archive is not a well-formed tar, or uses a feature the stager cannot stage by byte ranges. */
export class TarFormatError extends StageError {}

type Metadata = { kind: 'pax-local' | 'pax-global' | 'gnu-name' | 'gnu-link'; left: number; pad: number; parts: Buffer[] };
type FileData = { kind: 'file'; left: number; pad: number; path: string; size: number; dataOffset: number; hash: Hash };
type SkipData = { kind: 'skip'; left: number; pad: number };
type State = { kind: 'header' } | Metadata | FileData | SkipData;

/**
 * Reads a tar stream as POSIX.1-2001 (pax) and GNU tar write it: ustar headers with prefix, pax
 * extended (`x`) and global (`g`) records overriding `size`, `path` and `linkpath`, GNU long names
 * (`L`) and link names (`K`), base-256 sizes. Calls `onEntry` for each regular file with its sha256
 * and `onSkip` for links and special files; hashes every byte into `archive`. Entry names are passed
 * on as the archive spells them: the caller checks them.
 */
export async function readTar(
  chunks: AsyncIterable<Uint8Array>,
  archive: { update(data: Uint8Array): unknown },
  onEntry: (entry: TarEntry) => void,
  onSkip: (entry: SkippedTarEntry) => void = () => undefined,
): Promise<void> {
  let pending = Buffer.alloc(0);
  let position = 0;
  let state: State = { kind: 'header' };
  let globals: Record<string, string> = {};
  let locals: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  let ended = false;
  let entries = 0;
  for await (const chunk of chunks) {
    archive.update(chunk);
    if (ended) continue;
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    let at = 0;
    while (!ended) {
      if (state.kind === 'header') {
        if (pending.length - at < BLOCK) break;
        const header = pending.subarray(at, at + BLOCK);
        const headerAt = position;
        at += BLOCK;
        position += BLOCK;
        if (header.every((b) => b === 0)) {
          ended = true;
          break;
        }
        checkHeaderChecksum(header, headerAt);
        entries++;
        const type = String.fromCharCode(header[156] || 48);
        const headerSize = parseNumber(header.subarray(124, 136), headerAt);
        // an empty value deletes the keyword, the global one included (POSIX pax, "Extended Header")
        const attributes = Object.fromEntries(Object.entries({ ...globals, ...locals }).filter(([, value]) => value !== '')) as Record<string, string>;
        if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
          if (headerSize > MAX_TAR_METADATA) {
            throw new TarFormatError(`the archive's ${describeMeta(type)} at byte ${headerAt} is ${headerSize} bytes; refusing metadata records over ${MAX_TAR_METADATA} bytes`);
          }
          state = { kind: type === 'x' ? 'pax-local' : type === 'g' ? 'pax-global' : type === 'L' ? 'gnu-name' : 'gnu-link', left: headerSize, pad: padOf(headerSize), parts: [] };
        } else {
          const name = cString(header.subarray(0, 100));
          const prefix = header.subarray(257, 263).toString('latin1') === 'ustar\0' ? cString(header.subarray(345, 500)) : '';
          const path = attributes.path ?? longName ?? (prefix ? `${prefix}/${name}` : name);
          const linkpath = attributes.linkpath ?? longLink ?? cString(header.subarray(157, 257));
          if (attributes['GNU.sparse.major'] !== undefined || attributes['GNU.sparse.size'] !== undefined || type === 'S') {
            throw new TarFormatError(`the archive's entry ${quotedName(path)} is a sparse file; repack the archive without --sparse`);
          }
          // pax `size` overrides the header's: tar writes members of 8 GiB and more with size 0 in the header
          const size = attributes.size !== undefined ? paxSize(attributes.size, path) : headerSize;
          locals = {};
          longName = undefined;
          longLink = undefined;
          if (type === '0' || type === '\0' || type === '7') {
            state = { kind: 'file', left: size, pad: padOf(size), path, size, dataOffset: position, hash: createHash('sha256') };
          } else {
            if (type === '1' || type === '2') onSkip({ path, kind: type === '1' ? 'hard link' : 'symbolic link', target: linkpath });
            else if (type === '3' || type === '4' || type === '6') onSkip({ path, kind: type === '6' ? 'fifo' : 'device file' });
            else if (type !== '5' && type !== 'V' && type !== 'D') onSkip({ path, kind: `entry of type '${type}'` });
            // links, devices and directories carry no data; GNU dump directories (D) list names only
            const data = type === '1' || type === '2' || type === '3' || type === '4' || type === '5' || type === '6' ? 0 : size;
            state = { kind: 'skip', left: data, pad: padOf(data) };
          }
        }
      }
      // the header branch above may just have set a data state
      if ((state as State).kind !== 'header') {
        state = state as Exclude<State, { kind: 'header' }>;
        const take = Math.min(state.left, pending.length - at);
        const piece = pending.subarray(at, at + take);
        if (state.kind === 'file') state.hash.update(piece);
        else if (state.kind !== 'skip') state.parts.push(Buffer.from(piece));
        at += take;
        position += take;
        state.left -= take;
        if (state.left > 0) break;
        if (pending.length - at < state.pad) break;
        at += state.pad;
        position += state.pad;
        if (state.kind === 'file') {
          if (!state.path.endsWith('/')) onEntry({ path: state.path, size: state.size, sha256: state.hash.digest('hex'), dataOffset: state.dataOffset });
        } else if (state.kind === 'pax-local' || state.kind === 'pax-global') {
          const records = parsePax(Buffer.concat(state.parts), position);
          if (state.kind === 'pax-local') locals = { ...locals, ...records };
          else globals = { ...globals, ...records };
        } else if (state.kind === 'gnu-name' || state.kind === 'gnu-link') {
          const text = cString(Buffer.concat(state.parts));
          if (state.kind === 'gnu-name') longName = text;
          else longLink = text;
        }
        state = { kind: 'header' };
      }
    }
    pending = pending.subarray(at);
  }
  if (!ended && (state.kind !== 'header' || pending.length > 0)) throw new RetryableError('the archive ended in the middle of an entry (a dropped connection, or not a .tar)');
  if (!ended && entries === 0) throw new TarFormatError('the archive is empty (no tar header)');
}

const padOf = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

function describeMeta(type: string): string {
  return type === 'x' ? 'pax extended header' : type === 'g' ? 'pax global header' : type === 'L' ? 'GNU long name' : 'GNU long link name';
}

/**
 * pax records, `"%d %s=%s\n"` with the length counting the whole record (POSIX.1-2001, pax "Extended
 * Header"). Values may hold newlines; an empty value is kept as '' (it deletes the keyword).
 */
function parsePax(data: Buffer, end: number): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break;
    const space = data.indexOf(0x20, at);
    const length = space > at ? Number(data.subarray(at, space).toString('latin1')) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - at + 1 || at + length > data.length || data[at + length - 1] !== 0x0a) {
      throw new TarFormatError(`a pax header ending at byte ${end} has a malformed record; the archive is damaged`);
    }
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals <= 0) throw new TarFormatError(`a pax header ending at byte ${end} has a record without a keyword; the archive is damaged`);
    const key = record.slice(0, equals);
    records[key] = record.slice(equals + 1);
    at += length;
  }
  return records;
}

function paxSize(text: string, path: string): number {
  const size = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(size)) throw new TarFormatError(`the archive's entry ${quotedName(path)} has a pax size '${text.slice(0, 40)}' that is not a byte count`);
  return size;
}

/** The header checksum (bytes 148–155 as spaces, summed unsigned): catches "this is not a tar" at the first header. */
function checkHeaderChecksum(header: Buffer, at: number): void {
  const stored = parseNumber(header.subarray(148, 156), at);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  if (sum !== stored) throw new TarFormatError(`the archive has a damaged tar header at byte ${at} (checksum ${stored}, computed ${sum}); is it a .tar (not compressed)?`);
}

function parseNumber(field: Uint8Array, at: number): number {
  if (field[0]! >= 0x80) {
    // base-256 (GNU) for sizes of 8 GiB and more
    let value = field[0]! - 0x80;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`the tar header at byte ${at} has a size too large to be real`);
    return value;
  }
  const text = Buffer.from(field).toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`the tar header at byte ${at} has a number field '${text.slice(0, 12)}' that is not octal; is it a .tar?`);
  return parseInt(text, 8);
}

function cString(field: Uint8Array): string {
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
}
