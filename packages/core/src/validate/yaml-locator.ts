import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { FieldPath } from './field-path.js';
import type { SourceLocation } from '../report/diagnostic.js';

/** Which part of a `key: value` pair a finding points at. */
type LocationTarget = 'key' | 'value';

/** Maps a field path of one resource to FILE:LINE:COL (checks use it to locate their findings). */
export interface ResourceLocator {
  readonly file: string;
  locate(path: FieldPath, target?: LocationTarget): SourceLocation;
}

/**
 * Turns a field path into FILE:LINE:COL by walking the YAML syntax tree the resource came from.
 * Nothing is precomputed: positions are looked up only for findings, so valid resources cost nothing.
 * When the path leads somewhere the tree does not have (a missing field), the deepest existing
 * node is returned, which is where the missing field belongs.
 */
export class NodeLocator implements ResourceLocator {
  constructor(
    readonly file: string,
    private readonly root: Node | null,
    private readonly document: Document.Parsed,
    private readonly lineCounter: LineCounter,
  ) {}

  locate(path: FieldPath, target: LocationTarget = 'value'): SourceLocation {
    let node: Node | null = this.root;
    let key: Node | null = null;
    for (const segment of path) {
      const current = this.resolve(node);
      const next = current ? child(current, segment, (n) => this.resolve(n)) : undefined;
      if (!next) break;
      key = next.key;
      node = next.value;
    }
    const wanted = target === 'key' ? (key ?? node) : (node ?? key);
    return this.rangeLocation(wanted ?? this.root);
  }

  /** The location of a node's first character, e.g. of a key that a finding is about. */
  rangeLocation(node: Node | null | undefined): SourceLocation {
    const range = node?.range ?? this.document.range;
    const start = this.lineCounter.linePos(range[0]);
    const end = this.lineCounter.linePos(range[1]);
    return {
      file: this.file,
      line: Math.max(start.line, 1),
      column: Math.max(start.col, 1),
      endLine: Math.max(end.line, 1),
      endColumn: Math.max(end.col, 1),
    };
  }

  /** Where an absolute offset into the file is. */
  offsetLocation(offset: number): SourceLocation {
    const { line, col } = this.lineCounter.linePos(offset);
    return { file: this.file, line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  /** A locator for a sub-tree (an item of a `kind: List`), sharing this file's positions. */
  forNode(node: Node | null): NodeLocator {
    return new NodeLocator(this.file, node, this.document, this.lineCounter);
  }

  private resolve(node: Node | null): Node | null {
    if (node && isAlias(node)) return (node.resolve(this.document) as Node | undefined) ?? null;
    return node;
  }
}

interface Step {
  readonly key: Node | null;
  readonly value: Node | null;
}

function child(node: Node, segment: string | number, resolve: (n: Node | null) => Node | null): Step | undefined {
  if (isSeq(node)) {
    const index = typeof segment === 'number' ? segment : Number(segment);
    const item = node.items[index] as Node | undefined;
    return item === undefined ? undefined : { key: null, value: item };
  }
  if (isMap(node)) {
    const wanted = String(segment);
    // the last occurrence wins, as it does when the object is decoded
    for (let i = node.items.length - 1; i >= 0; i -= 1) {
      const pair = node.items[i] as Pair<Node | null, Node | null>;
      if (keyText(pair.key) === wanted) return { key: pair.key, value: pair.value };
    }
    for (const pair of node.items as Pair<Node | null, Node | null>[]) {
      if (keyText(pair.key) !== '<<') continue;
      const sources = resolve(pair.value);
      const maps = sources && isSeq(sources) ? sources.items.map((n) => resolve(n as Node)) : [sources];
      for (const source of maps) {
        const found = source ? child(source, segment, resolve) : undefined;
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** A mapping key as the decoded object spells it (`5`, `true` and `3.14` keys become strings). */
export function keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) {
    if (typeof key.value === 'symbol') return '<<'; // YAML 1.1 merge key
    return key.value === null ? '' : String(key.value);
  }
  return undefined;
}
