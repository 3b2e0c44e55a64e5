/**
 * Bytes to text for a catalog file: strict UTF-8 and no control characters, each problem placed at
 * the line and column of the first offending byte.
 */

export interface TextProblem {
  readonly code: string;
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export type DecodeResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: TextProblem };

// Tab, line feed and carriage return are YAML whitespace; every other C0 control and DEL is not printable in YAML.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export function decodeCatalogText(bytes: Uint8Array): DecodeResult {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = Math.max(0, firstInvalidUtf8Byte(bytes));
    // a non-fatal decoder drops a leading byte-order mark just as the fatal one does, so columns agree
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const byte = bytes[offset].toString(16).toUpperCase().padStart(2, '0');
    return {
      ok: false,
      problem: {
        code: 'catalog/invalid-utf8',
        message: `file is not valid UTF-8 (byte 0x${byte} at offset ${offset}); save it as UTF-8`,
        ...positionOf(before, before.length),
      },
    };
  }
  const match = CONTROL_CHARACTER.exec(text);
  if (match !== null) {
    const isNul = match[0] === '\0';
    const codePoint = `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return {
      ok: false,
      problem: {
        code: isNul ? 'catalog/nul-byte' : 'catalog/control-character',
        message: isNul
          ? 'file contains a NUL byte, so it is binary rather than YAML text; check that this is the right file'
          : `file contains the control character ${codePoint}, which YAML does not allow; remove it`,
        ...positionOf(text, match.index),
      },
    };
  }
  return { ok: true, text };
}

/** 1-based line and column of a string offset, counting columns in UTF-16 units as the yaml package does. */
function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first byte that starts an ill-formed UTF-8 sequence (Unicode table 3-7); -1 when the
 * input is well-formed. Only called after TextDecoder has refused the bytes.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let trailing: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      trailing = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      trailing = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      trailing = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else {
      return i;
    }
    for (let k = 1; k <= trailing; k++) {
      const next = bytes[i + k];
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (next === undefined || next < min || next > max) return i;
    }
    i += trailing + 1;
  }
  return -1;
}
