/* eslint-disable no-bitwise -- the zip format and CRC-32 are defined in terms of bit fields */
import { readFile } from 'node:fs/promises';
import type { ContextFile } from './build-context.js';

/**
 * A deterministic zip: entries in the given (sorted) order, stored uncompressed, every timestamp
 * 1980-01-01 00:00 (the DOS epoch), Unix modes 0644/0755, UTF-8 names, no extra fields. The same
 * files give the same bytes on any machine and Node version (a deflate stream can differ between
 * zlib builds; stored data cannot), so the S3 object for a content tag never changes.
 */
export async function zipContext(files: readonly ContextFile[]): Promise<Buffer> {
  const entries: ZipEntry[] = [];
  for (const file of files) entries.push({ name: file.zipPath, mode: file.mode, data: await readFile(file.absolutePath) });
  return writeZip(entries);
}

interface ZipEntry {
  readonly name: string;
  readonly mode: number;
  readonly data: Buffer;
}

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const DOS_TIME_MIDNIGHT = 0;
const UTF8_NAMES = 1 << 11;
const VERSION_MADE_BY_UNIX = (3 << 8) | 20;
const VERSION_NEEDED = 20;
const S_IFREG = 0o100000;
const MAX_32 = 0xffffffff;

function writeZip(entries: readonly ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const size = entry.data.length;
    if (size > MAX_32 || offset > MAX_32) throw new RangeError(`zip entry ${entry.name} would need zip64, which this writer does not produce`);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(UTF8_NAMES, 6);
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME_MIDNIGHT, 10);
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(VERSION_MADE_BY_UNIX, 4);
    header.writeUInt16LE(VERSION_NEEDED, 6);
    header.writeUInt16LE(UTF8_NAMES, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(DOS_TIME_MIDNIGHT, 12);
    header.writeUInt16LE(DOS_DATE_1980_01_01, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(size, 20);
    header.writeUInt32LE(size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(0, 30); // extra
    header.writeUInt16LE(0, 32); // comment
    header.writeUInt16LE(0, 34); // disk
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE(((S_IFREG | entry.mode) << 16) >>> 0, 38);
    header.writeUInt32LE(offset, 42);

    parts.push(local, name, entry.data);
    central.push(header, name);
    offset += local.length + name.length + size;
  }
  const centralSize = central.reduce((sum, b) => sum + b.length, 0);
  if (entries.length > 0xffff) throw new RangeError('a zip without zip64 holds at most 65,535 entries');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, the zip polynomial). */
export function crc32(data: Uint8Array): number {
  table ??= makeTable();
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
