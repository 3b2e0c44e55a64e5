/* eslint-disable no-bitwise -- a CRC is bit arithmetic */
import { endianness } from 'node:os';

/**
 * CRC-32C (Castagnoli), as S3 wants it for `ChecksumAlgorithm: CRC32C`. Node has no CRC-32C of its
 * own, so this is slice-by-16 over 32-bit words: about three times the speed of byte-wise slice-by-8,
 * which matters because every staged byte goes through it.
 */
const TABLE = (() => {
  const table = new Uint32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let t = 1; t < 16; t++) table[t * 256 + n] = (table[(t - 1) * 256 + n]! >>> 8) ^ table[table[(t - 1) * 256 + n]! & 0xff]!;
  }
  return table;
})();

/** Word loads read bytes in little-endian order; a big-endian host takes the byte-wise loop. */
const WORDS = endianness() === 'LE';

/** Continues a CRC-32C over `data`; start with 0. */
export function crc32c(data: Uint8Array, previous = 0): number {
  const t = TABLE;
  let crc = ~previous >>> 0;
  let i = 0;
  if (WORDS) {
    // bytes up to a 4-byte boundary, so the rest can be viewed as 32-bit words
    const head = Math.min(data.length, (4 - (data.byteOffset & 3)) & 3);
    for (; i < head; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    const words = ((data.length - i) >>> 4) << 2;
    // a view needs an aligned start even when empty (data shorter than its head)
    const w = words > 0 ? new Uint32Array(data.buffer, data.byteOffset + i, words) : new Uint32Array(0);
    for (let j = 0; j < words; j += 4) {
      const a = crc ^ w[j]!;
      const b = w[j + 1]!;
      const c = w[j + 2]!;
      const d = w[j + 3]!;
      crc =
        t[15 * 256 + (a & 0xff)]! ^ t[14 * 256 + ((a >>> 8) & 0xff)]! ^ t[13 * 256 + ((a >>> 16) & 0xff)]! ^ t[12 * 256 + (a >>> 24)]! ^
        t[11 * 256 + (b & 0xff)]! ^ t[10 * 256 + ((b >>> 8) & 0xff)]! ^ t[9 * 256 + ((b >>> 16) & 0xff)]! ^ t[8 * 256 + (b >>> 24)]! ^
        t[7 * 256 + (c & 0xff)]! ^ t[6 * 256 + ((c >>> 8) & 0xff)]! ^ t[5 * 256 + ((c >>> 16) & 0xff)]! ^ t[4 * 256 + (c >>> 24)]! ^
        t[3 * 256 + (d & 0xff)]! ^ t[2 * 256 + ((d >>> 8) & 0xff)]! ^ t[256 + ((d >>> 16) & 0xff)]! ^ t[d >>> 24]!;
    }
    i += words * 4;
  }
  for (; i < data.length; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The base64 of the big-endian CRC, the form S3 headers carry. */
export function crc32cBase64(crc: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc);
  return out.toString('base64');
}
