/**
 * A fast reader for the YAML that tools render: block mappings and sequences, plain and quoted
 * one-line scalars, one-line flow collections, literal and simple folded block scalars, comments and
 * `---` markers. It produces exactly what the `yaml` package's YAML 1.1 reading gives (see parse.ts),
 * and gives up (returns undefined) on anything else: anchors, aliases, tags, merge keys, duplicate
 * keys, multi-line plain or quoted scalars, directives, tabs, CRLF, anything ambiguous or invalid.
 * The caller then uses the `yaml` package, which also does all the positions: this reader keeps
 * only where each document starts, so findings are located by re-reading the file with `yaml`.
 *
 * Why: `yaml` builds a full syntax tree (~2,000 manifests/s); this is several times faster, and
 * manifests are almost always this simple. test/validate/fast-yaml.test.ts checks that both agree on
 * every YAML file in the reference set.
 */

/** One document of a stream: its value (null when empty) and where its content starts (1-based). */
export interface FastDocument {
  readonly value: unknown;
  readonly line: number;
  readonly column: number;
}

import { MAX_NESTING_DEPTH } from './nesting.js';

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

interface Line {
  indent: number;
  /** text after the indentation */
  text: string;
  /** 1-based line number in the file */
  readonly no: number;
  /** the raw line (block scalars need it) */
  readonly raw: string;
}

export function fastParseStream(text: string): FastDocument[] | undefined {
  if (text.includes('\r') || text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  keyCache = new Map();
  depth = 0;
  try {
    return parseStream(text);
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  } finally {
    keyCache = new Map();
  }
}

const MARKER = /^---[ ]*(?:#.*)?$/;

/**
 * Collections open around the one being read. Past MAX_NESTING_DEPTH the reader gives up, so it never
 * recurses deep enough to overflow the stack, and the caller's full reader reports where it is too deep.
 */
let depth = 0;
const enter = () => {
  if (++depth > MAX_NESTING_DEPTH) giveUp();
};

function parseStream(text: string): FastDocument[] {
  const raw = text.split('\n');
  const documents: FastDocument[] = [];
  let start = 0;
  let sawMarker = false;
  const flush = (end: number, markerLine: number | undefined) => {
    const lines: Line[] = [];
    for (let i = start; i < end; i += 1) {
      const line = raw[i]!;
      if (line.startsWith('%') || line === '...' || line.startsWith('... ') || line.startsWith('---')) giveUp();
      let indent = 0;
      while (line.charCodeAt(indent) === 0x20) indent += 1;
      lines.push({ indent, text: line.slice(indent), no: i + 1, raw: line });
    }
    const first = nextSignificant(lines, 0);
    if (first < 0) {
      // comments alone before the first marker make no document; after a marker, an empty one
      if (markerLine !== undefined) documents.push({ value: null, line: markerLine, column: 1 });
      return;
    }
    const value = parseBlock(lines, first, -1);
    if (nextSignificant(lines, value.next) >= 0) giveUp();
    documents.push({ value: value.value, line: lines[first]!.no, column: lines[first]!.indent + 1 });
  };
  let markerLine: number | undefined;
  for (let i = 0; i < raw.length; i += 1) {
    const line = raw[i]!;
    if (!line.startsWith('---')) continue;
    if (!MARKER.test(line)) giveUp();
    flush(i, markerLine);
    sawMarker = true;
    markerLine = i + 1;
    start = i + 1;
  }
  flush(raw.length, sawMarker ? markerLine : undefined);
  return documents;
}

/** Index of the next line that is not blank and not a comment, or -1. */
function nextSignificant(lines: Line[], from: number): number {
  for (let i = from; i < lines.length; i += 1) {
    const text = lines[i]!.text;
    if (text !== '' && !text.startsWith('#')) return i;
  }
  return -1;
}

interface Parsed {
  readonly value: unknown;
  /** index of the first line after the node */
  readonly next: number;
}

function parseBlock(lines: Line[], index: number, parentIndent: number): Parsed {
  const line = lines[index]!;
  if (line.indent <= parentIndent) giveUp();
  if (isSeqEntry(line.text)) return parseSeq(lines, index, line.indent);
  if (mapKey(line.text)) return parseMap(lines, index, line.indent);
  // a scalar standing alone (a document that is just a string, or a value on its own line)
  const value = inlineValue(line.text, lines, index, parentIndent);
  return value;
}

function isSeqEntry(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function parseSeq(lines: Line[], index: number, indent: number): Parsed {
  enter();
  const items: unknown[] = [];
  let i = index;
  for (;;) {
    const line = lines[i]!;
    const rest = line.text === '-' ? '' : line.text.slice(2).trimStart();
    const restOffset = line.text.length - rest.length;
    let parsed: Parsed;
    if (rest === '' || rest.startsWith('#')) {
      const j = nextSignificant(lines, i + 1);
      parsed = j >= 0 && lines[j]!.indent > indent ? parseBlock(lines, j, indent) : { value: null, next: i + 1 };
    } else if (isSeqEntry(rest)) {
      return giveUp();
    } else if (mapKey(rest)) {
      // `- key: value` opens a mapping whose entries line up with `key`
      const original = { indent: line.indent, text: line.text };
      line.indent = indent + restOffset;
      line.text = rest;
      try {
        parsed = parseMap(lines, i, line.indent);
      } finally {
        line.indent = original.indent;
        line.text = original.text;
      }
    } else {
      parsed = inlineValue(rest, lines, i, indent);
    }
    items.push(parsed.value);
    const j = nextSignificant(lines, parsed.next);
    if (j < 0) return leave({ value: items, next: lines.length });
    const next = lines[j]!;
    if (next.indent < indent) return leave({ value: items, next: j });
    if (next.indent > indent || !isSeqEntry(next.text)) {
      // a mapping at the same indentation ends a compact sequence (`key:\n- a\nother: b`)
      if (next.indent === indent && mapKey(next.text)) return leave({ value: items, next: j });
      return giveUp();
    }
    i = j;
  }
}

function parseMap(lines: Line[], index: number, indent: number): Parsed {
  enter();
  const map: Record<string, unknown> = {};
  let i = index;
  for (;;) {
    const line = lines[i]!;
    const entry = mapKey(line.text) ?? giveUp();
    if (Object.hasOwn(map, entry.key) || entry.key === '__proto__' || entry.key === '<<') giveUp();
    const rest = line.text.slice(entry.valueStart).trimStart();
    let parsed: Parsed;
    if (rest === '' || rest.startsWith('#')) {
      const j = nextSignificant(lines, i + 1);
      if (j >= 0 && lines[j]!.indent > indent) parsed = parseBlock(lines, j, indent);
      else if (j >= 0 && lines[j]!.indent === indent && isSeqEntry(lines[j]!.text)) parsed = parseSeq(lines, j, indent);
      else parsed = { value: null, next: i + 1 };
    } else {
      parsed = inlineValue(rest, lines, i, indent);
    }
    map[entry.key] = parsed.value;
    const j = nextSignificant(lines, parsed.next);
    if (j < 0) return leave({ value: map, next: lines.length });
    const next = lines[j]!;
    if (next.indent < indent) return leave({ value: map, next: j });
    if (next.indent > indent || !mapKey(next.text)) {
      if (next.indent === indent && isSeqEntry(next.text)) return leave({ value: map, next: j });
      return giveUp();
    }
    i = j;
  }
}

function leave(parsed: Parsed): Parsed {
  depth -= 1;
  return parsed;
}

type MapKey = { key: string; valueStart: number } | undefined;
const NOT_A_KEY = Symbol('not a key');
/** per call of fastParseStream (reset there): lines repeat within a file, rarely across files */
let keyCache = new Map<string, MapKey | typeof NOT_A_KEY>();

/** `key:` at the start of `text` (memoised: the loops ask about the same line more than once). */
function mapKey(text: string): MapKey {
  const cached = keyCache.get(text);
  if (cached !== undefined) return cached === NOT_A_KEY ? undefined : cached;
  const found = readMapKey(text);
  keyCache.set(text, found ?? NOT_A_KEY);
  return found;
}

/** `key:` at the start of `text`: the key as the decoded object spells it, and where the value starts. */
function readMapKey(text: string): MapKey {
  const first = text[0];
  if (first === '"' || first === "'") {
    const quoted = readQuoted(text, 0);
    if (!quoted || text[quoted.end] !== ':') return undefined;
    const after = text[quoted.end + 1];
    if (after !== undefined && after !== ' ') return undefined;
    return { key: quoted.value, valueStart: quoted.end + 1 };
  }
  if (first === undefined || '#-?:,[]{}&*!|>%@`'.includes(first)) {
    // `-1: x` or `:x: y` are keys too, but rare enough to leave to the full parser
    return undefined;
  }
  let colon = -1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '#' && text[i - 1] === ' ') return undefined;
    if (c === ':' && (i + 1 === text.length || text[i + 1] === ' ')) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return undefined;
  const source = text.slice(0, colon).trimEnd();
  if (source.length === 0 || source.length > 1024 || /[{}[\],]/.test(source)) giveUp();
  return { key: jsKey(resolvePlain(source)), valueStart: colon + 1 };
}

/** How `yaml`'s toJS turns a resolved key into an object key. */
function jsKey(value: unknown): string {
  return value === null ? '' : String(value);
}

/** A value that starts on the line of its key or dash. */
function inlineValue(rest: string, lines: Line[], index: number, parentIndent: number): Parsed {
  const first = rest[0];
  if (first === '&' || first === '*' || first === '!' || first === '%' || first === '@' || first === '`') giveUp();
  if (first === '|' || first === '>') return blockScalar(rest, lines, index, parentIndent);
  let value: unknown;
  let next = index + 1;
  if (first === '"' || first === "'") {
    const quoted = readQuoted(rest, 0) ?? giveUp();
    if (!isEndOfLine(rest, quoted.end)) giveUp();
    value = quoted.value;
  } else if (first === '[' || first === '{') {
    const flow = new FlowReader(rest);
    value = flow.value();
    if (!isEndOfLine(rest, flow.at)) giveUp();
  } else {
    if ((first === '-' || first === '?' || first === ':') && (rest.length === 1 || rest[1] === ' ')) giveUp();
    const plain = plainScalar(rest, lines, index, parentIndent);
    value = resolvePlain(plain.text);
    next = plain.next;
  }
  // anything more indented after the value would continue it or be an error: leave that to yaml
  const j = nextSignificant(lines, next);
  if (j >= 0 && lines[j]!.indent > parentIndent) giveUp();
  return { value, next };
}

/**
 * A plain scalar and its continuation lines (more indented than its parent), folded as YAML folds
 * them: a line break becomes a space, each blank line a newline. Comments end it.
 */
function plainScalar(rest: string, lines: Line[], index: number, parentIndent: number): { text: string; next: number } {
  const firstLine = stripComment(rest);
  checkPlain(firstLine);
  let text = firstLine;
  let next = index + 1;
  if (firstLine.length !== rest.trimEnd().length) return { text, next }; // a comment ends it
  let blanks = 0;
  for (let k = index + 1; k < lines.length; k += 1) {
    const line = lines[k]!;
    if (line.text === '') {
      blanks += 1;
      continue;
    }
    if (line.indent <= parentIndent || line.text.startsWith('#')) break;
    const part = stripComment(line.text);
    if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(part)) giveUp();
    checkPlain(part);
    text += (blanks > 0 ? '\n'.repeat(blanks) : ' ') + part;
    blanks = 0;
    next = k + 1;
    if (part.length !== line.text.trimEnd().length) break;
  }
  return { text, next };
}

/** `: ` cannot appear in a plain scalar (it would start a mapping); yaml reports an error there. */
function checkPlain(text: string): void {
  if (text.includes(': ') || text.endsWith(':')) giveUp();
}

function isEndOfLine(text: string, at: number): boolean {
  const rest = text.slice(at);
  return rest.trim() === '' || /^ +#/.test(rest);
}

function stripComment(text: string): string {
  const hash = text.indexOf(' #');
  return (hash < 0 ? text : text.slice(0, hash)).trimEnd();
}

function blockScalar(header: string, lines: Line[], index: number, parentIndent: number): Parsed {
  const match = /^([|>])([+-]?)( +#.*)?$/.exec(header.trimEnd()) ?? giveUp();
  const folded = match[1] === '>';
  const chomp = match[2];
  let end = index + 1;
  let contentIndent = -1;
  for (; end < lines.length; end += 1) {
    const line = lines[end]!;
    if (line.raw.trim() === '') continue;
    if (contentIndent < 0) {
      if (line.indent <= parentIndent) break;
      contentIndent = line.indent;
    }
    if (line.indent < contentIndent) {
      if (line.indent > parentIndent) giveUp();
      break;
    }
  }
  // trailing blank lines belong to the scalar only for chomping; the next node starts at `end`
  let last = end - 1;
  while (last > index && lines[last]!.raw.trim() === '') last -= 1;
  if (contentIndent < 0) {
    if (chomp === '+') giveUp();
    return { value: '', next: end };
  }
  const body: string[] = [];
  for (let i = index + 1; i <= last; i += 1) {
    const raw = lines[i]!.raw;
    if (raw.trim() === '') {
      if (raw.length > contentIndent && i < firstContent(lines, index, contentIndent)) giveUp();
      body.push(raw.length > contentIndent ? raw.slice(contentIndent) : '');
    } else {body.push(raw.slice(contentIndent));}
  }
  if (body[0] === '') giveUp(); // leading blank lines: leave to yaml
  let text: string;
  if (folded) {
    if (body.some((l) => l === '' || l.startsWith(' '))) giveUp();
    text = body.join(' ');
  } else {text = body.join('\n');}
  if (chomp === '-') return { value: text, next: end };
  if (chomp === '+') {
    const trailing = end - 1 - last;
    if (trailing > 0 && end < lines.length) giveUp();
    return { value: `${text}\n${'\n'.repeat(trailing)}`, next: end };
  }
  return { value: `${text}\n`, next: end };
}

function firstContent(lines: Line[], index: number, contentIndent: number): number {
  for (let i = index + 1; i < lines.length; i += 1) if (lines[i]!.raw.trim() !== '' && lines[i]!.indent >= contentIndent) return i;
  return lines.length;
}

/** A quoted scalar starting at `start`, closed on the same line. */
function readQuoted(text: string, start: number): { value: string; end: number } | undefined {
  const quote = text[start];
  let value = '';
  for (let i = start + 1; i < text.length; i += 1) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") {
        if (text[i + 1] === "'") {
          value += "'";
          i += 1;
          continue;
        }
        return { value, end: i + 1 };
      }
      value += c;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const escape = text[i + 1];
    i += 1;
    const simple = escape === undefined ? undefined : SIMPLE_ESCAPES[escape];
    if (simple !== undefined) {
      value += simple;
      continue;
    }
    const width = escape === 'x' ? 2 : escape === 'u' ? 4 : escape === 'U' ? 8 : 0;
    const hex = text.slice(i + 1, i + 1 + width);
    if (width === 0 || !/^[0-9a-fA-F]+$/.test(hex) || hex.length !== width) giveUp();
    value += String.fromCodePoint(parseInt(hex, 16));
    i += width;
  }
  return undefined;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  'a': '\x07',
  'b': '\b',
  'e': '\x1b',
  'f': '\f',
  'n': '\n',
  'r': '\r',
  't': '\t',
  'v': '\v',
  'N': '\u0085',
  '_': '\u00a0',
  'L': '\u2028',
  'P': '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/** `[a, b]` and `{k: v}` on one line. */
class FlowReader {
  at = 0;
  constructor(private readonly text: string) {}

  value(): unknown {
    this.space();
    const c = this.text[this.at];
    if (c === '[') return this.sequence();
    if (c === '{') return this.mapping();
    if (c === '"' || c === "'") return this.quoted();
    return resolvePlain(this.plain());
  }

  private sequence(): unknown[] {
    enter();
    this.at += 1;
    const items: unknown[] = [];
    for (;;) {
      this.space();
      if (this.text[this.at] === ']') {
        this.at += 1;
        depth -= 1;
        return items;
      }
      items.push(this.value());
      this.space();
      const c = this.text[this.at];
      if (c === ',') this.at += 1;
      else if (c !== ']') giveUp();
    }
  }

  private mapping(): Record<string, unknown> {
    enter();
    this.at += 1;
    const map: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') {
        this.at += 1;
        depth -= 1;
        return map;
      }
      const c = this.text[this.at];
      const quotedKey = c === '"' || c === "'";
      const key = quotedKey ? this.quoted() : jsKey(resolvePlain(this.plain()));
      if (Object.hasOwn(map, key) || key === '__proto__' || key === '<<') giveUp();
      this.space();
      if (this.text[this.at] !== ':') giveUp();
      this.at += 1;
      const after = this.text[this.at];
      if (!quotedKey && after !== ' ' && after !== ',' && after !== '}') giveUp();
      this.space();
      const next = this.text[this.at];
      map[key] = next === ',' || next === '}' ? null : this.value();
      this.space();
      const end = this.text[this.at];
      if (end === ',') this.at += 1;
      else if (end !== '}') giveUp();
    }
  }

  private quoted(): string {
    const quoted = readQuoted(this.text, this.at) ?? giveUp();
    this.at = quoted.end;
    return quoted.value;
  }

  private plain(): string {
    const start = this.at;
    const first = this.text[start];
    if (first === undefined || '#&*!|>%@`'.includes(first)) giveUp();
    if ('?-:'.includes(first!) && ' ,[]{}'.includes(this.text[start + 1] ?? ' ')) giveUp();
    while (this.at < this.text.length) {
      const c = this.text[this.at]!;
      if (c === ',' || c === '[' || c === ']' || c === '{' || c === '}') break;
      if (c === ':' && ' ,[]{}'.includes(this.text[this.at + 1] ?? ' ')) break;
      if (c === '#' && this.text[this.at - 1] === ' ') giveUp();
      this.at += 1;
    }
    const source = this.text.slice(start, this.at).trim();
    if (source === '') giveUp();
    return source;
  }

  private space(): void {
    while (this.text[this.at] === ' ') this.at += 1;
  }
}

/**
 * A plain scalar's value under the `yaml` package's YAML 1.1 schema (parse.ts keeps dates and
 * sexagesimal numbers as strings): the same tests, in the same order.
 */
export function resolvePlain(source: string): unknown {
  // most scalars are names, images and paths: no YAML 1.1 type starts with their first character
  const first = source.charCodeAt(0);
  if (!MAYBE_TYPED.has(first)) return source;
  // a letter starts only the null and boolean words (`name`, `type`, `true`): one lookup, no patterns
  if (LETTER.test(source[0]!)) return WORDS.has(source) ? WORDS.get(source) : source;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(source)) return null;
  if (/^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/.test(source)) return true;
  if (/^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/.test(source)) return false;
  if (/^[-+]?0b[0-1_]+$/.test(source)) return integer(source, 2, 2);
  if (/^[-+]?0[0-7_]+$/.test(source)) return integer(source, 1, 8);
  if (/^[-+]?[0-9][0-9_]*$/.test(source)) return integer(source, 0, 10);
  if (/^[-+]?0x[0-9a-fA-F_]+$/.test(source)) return integer(source, 2, 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(source)) {
    return source.slice(-3).toLowerCase() === 'nan' ? NaN : source[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/.test(source)) return parseFloat(source.replace(/_/g, ''));
  if (/^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/.test(source)) return parseFloat(source.replace(/_/g, ''));
  return source;
}

const MAYBE_TYPED = new Set([...'~nNyYtTfFoO0123456789+-.'].map((c) => c.charCodeAt(0)));
const LETTER = /^[A-Za-z]$/;
/** The YAML 1.1 null and boolean words that start with a letter, as the patterns below read them. */
const WORDS = new Map<string, null | boolean>([
  ...['null', 'Null', 'NULL'].map((word) => [word, null] as const),
  ...['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((word) => [word, true] as const),
  ...['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((word) => [word, false] as const),
]);

function integer(source: string, offset: number, radix: number): number {
  const sign = source[0];
  const digits = source.substring(sign === '-' || sign === '+' ? offset + 1 : offset).replace(/_/g, '');
  const n = parseInt(digits, radix);
  return sign === '-' ? -1 * n : n;
}
