import { isMap, isScalar, isSeq, LineCounter, parseDocument, Parser } from 'yaml';
import type { Document, Node, ParsedNode, Range } from 'yaml';
import { describeValue, quote } from './messages.js';
import type { Diagnostic, SourceLocation } from '../report/diagnostic.js';

/** A catalog file read as one YAML mapping, with the node positions the later checks report against. */
export interface ParsedYaml {
  readonly file: string;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** the mapping as plain data; keys are strings, no aliases, at most MAX_DEPTH levels */
  readonly data: Record<string, unknown>;
}

export type YamlReadResult =
  | { readonly ok: true; readonly parsed: ParsedYaml }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** A catalog entry is four levels deep; anything far deeper is a mistake or an attack. */
export const MAX_DEPTH = 16;

/**
 * Parses `text` as a single YAML mapping and refuses everything a catalog entry never needs: anchors and
 * aliases (so alias bombs are never expanded), tags, directives, several documents, duplicate or
 * non-scalar keys, deep nesting. Every problem is a Diagnostic at the offending token.
 */
export function readYamlMapping(text: string, file: string): YamlReadResult {
  const lineCounter = new LineCounter();
  const at = (offset: number, end?: number): SourceLocation => location(file, lineCounter, offset, end);

  const markers = scanMarkers(text, lineCounter);
  if (markers.length > 0) return { ok: false, diagnostics: markers.map((m) => diagnostic(m.code, m.message, at(m.offset))) };

  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: false, strict: true });
  const syntax = [...document.errors, ...document.warnings].map((error) => {
    const [code, message] = describeYamlError(error.code, error.message);
    return diagnostic(code, message, at(error.pos[0]));
  });
  // once the parser gave up on the nesting, what it says after that is noise (how much of it depends on
  // the stack the parse had left), so the one line that matters is said alone
  const tooDeep = syntax.find((d) => d.code === 'catalog/too-deep');
  if (tooDeep) return { ok: false, diagnostics: [tooDeep] };
  if (syntax.length > 0) return { ok: false, diagnostics: syntax };

  const root = document.contents;
  if (root === null || (isScalar(root) && root.value === null && root.source === '')) {
    return {
      ok: false,
      diagnostics: [diagnostic('catalog/empty-file', 'file is empty; write a catalog entry with name, source and serving', at(0))],
    };
  }
  if (!isMap(root)) {
    const what = isSeq(root) ? 'a list' : describeValue(isScalar(root) ? root.value : undefined);
    return {
      ok: false,
      diagnostics: [
        diagnostic(
          'catalog/not-a-mapping',
          `the top level is ${what}, but a catalog entry is a mapping with name, source and serving; write it as key: value lines`,
          at(root.range[0], root.range[1]),
        ),
      ],
    };
  }

  const structure = checkStructure(root, at);
  if (structure.length > 0) return { ok: false, diagnostics: structure };

  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, diagnostics: [diagnostic('catalog/yaml-syntax', `the YAML cannot be read (${reason}); simplify the file`, at(0))] };
  }
  return { ok: true, parsed: { file, document, lineCounter, data: data as Record<string, unknown> } };
}

export function location(file: string, lineCounter: LineCounter, offset: number, end?: number): SourceLocation {
  const start = lineCounter.linePos(offset);
  if (end === undefined || end <= offset) return { file, line: start.line, column: start.col };
  const stop = lineCounter.linePos(end);
  return { file, line: start.line, column: start.col, endLine: stop.line, endColumn: stop.col };
}

function diagnostic(code: string, message: string, where: SourceLocation): Diagnostic {
  return { severity: 'error', code, message, location: where };
}

interface Marker {
  readonly code: string;
  readonly message: string;
  readonly offset: number;
}

const MARKER_TOKENS: Record<string, (source: string) => Omit<Marker, 'offset'>> = {
  anchor: (source) => anchorMarker(source),
  alias: (source) => anchorMarker(source),
  tag: (source) => ({
    code: 'catalog/yaml-tag',
    message: `YAML tags such as ${quote(source)} are not allowed in a catalog entry; remove the tag and write the plain value`,
  }),
  directive: (source) => ({
    code: 'catalog/yaml-directive',
    message: `YAML directives such as ${quote(source)} are not allowed in a catalog entry; remove the line`,
  }),
};

function anchorMarker(source: string): Omit<Marker, 'offset'> {
  return {
    code: 'catalog/yaml-anchor',
    message: `YAML anchors and aliases such as ${quote(source)} are not allowed in a catalog entry; write each value out in full`,
  };
}

/**
 * Walks the concrete syntax tree (without composing it, so nothing is expanded) and returns the first
 * anchor or alias, tag and directive. Iterative, so deep nesting cannot overflow the stack.
 */
function scanMarkers(text: string, lineCounter: LineCounter): Marker[] {
  const first = new Map<string, Marker>();
  const stack: unknown[] = [...new Parser(lineCounter.addNewLine).parse(text)];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      for (const element of item) stack.push(element);
      continue;
    }
    const token = item as { type?: unknown; offset?: unknown; source?: unknown };
    const describe = typeof token.type === 'string' && Object.hasOwn(MARKER_TOKENS, token.type) ? MARKER_TOKENS[token.type] : undefined;
    if (describe !== undefined && typeof token.offset === 'number') {
      const marker = { ...describe(typeof token.source === 'string' ? token.source : ''), offset: token.offset };
      const previous = first.get(marker.code);
      if (previous === undefined || marker.offset < previous.offset) first.set(marker.code, marker);
    }
    for (const value of Object.values(item)) {
      if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return [...first.values()];
}

function describeYamlError(code: string, message: string): [string, string] {
  if (code === 'MULTIPLE_DOCS') {
    return [
      'catalog/multiple-documents',
      "file holds more than one YAML document, but a catalog entry is exactly one; remove the '---' and put each model in its own file",
    ];
  }
  if (code === 'RESOURCE_EXHAUSTION') {
    return ['catalog/too-deep', `the YAML is nested too deeply to read; a catalog entry needs at most ${MAX_DEPTH} levels`];
  }
  const text = message.split('\n')[0].replace(/\.$/, '');
  return ['catalog/yaml-syntax', `invalid YAML (${text.charAt(0).toLowerCase()}${text.slice(1)}); check indentation and quoting here`];
}

/** Duplicate keys, keys that are not plain scalars, and nesting deeper than MAX_DEPTH. */
function checkStructure(root: Node, at: (offset: number, end?: number) => SourceLocation): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    const range = (node as ParsedNode).range;
    if (depth > MAX_DEPTH) {
      problems.push(
        diagnostic('catalog/too-deep', `value is nested more than ${MAX_DEPTH} levels deep; a catalog entry needs no more than 4`, at(range[0])),
      );
      continue;
    }
    if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
      continue;
    }
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const key = pair.key as ParsedNode | null;
      const keyRange: Range = key?.range ?? (pair.value as ParsedNode | null)?.range ?? range;
      if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
        problems.push(
          diagnostic(
            'catalog/non-scalar-key',
            'key is not a plain name (an empty key, or a list or mapping used as a key); write keys as plain words such as maxModelLen',
            at(keyRange[0]),
          ),
        );
      } else {
        const name = String(key.value);
        const firstOffset = seen.get(name);
        if (firstOffset === undefined) {
          seen.set(name, keyRange[0]);
        } else {
          const firstLine = at(firstOffset).line;
          problems.push(
            diagnostic(
              'catalog/duplicate-key',
              `duplicate key ${quote(name)} (first defined on line ${firstLine}); remove one of them`,
              at(keyRange[0], keyRange[1]),
            ),
          );
        }
      }
      stack.push({ node: pair.value, depth: depth + 1 });
    }
  }
  return problems;
}
