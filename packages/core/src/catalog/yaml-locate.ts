import { isMap, isScalar, isSeq } from 'yaml';
import type { Pair, ParsedNode, YAMLMap } from 'yaml';
import type { Finding } from './findings.js';
import type { PathSegment } from './messages.js';
import { location } from './yaml-reader.js';
import type { ParsedYaml } from './yaml-reader.js';
import type { SourceLocation } from '../report/diagnostic.js';

/**
 * Where a finding points in the file: the key node for `at: 'key'` (the top of the document for the
 * empty path), otherwise the value node. When the path runs out (a value that is not there), the
 * deepest node that exists; an empty value (`gpu:` and nothing) points at its key.
 */
export function locateFinding(parsed: ParsedYaml, finding: Pick<Finding, 'path' | 'at'>): SourceLocation {
  const found = walk(parsed, finding.path);
  const valueIsEmpty = found.value === undefined || (isScalar(found.value) && found.value.value === null && found.value.source === '');
  const node = finding.at === 'key' || valueIsEmpty ? (found.key ?? found.value) : found.value;
  const range = node?.range ?? [0, 0];
  return location(parsed.file, parsed.lineCounter, range[0], range[1]);
}

interface Found {
  key?: ParsedNode;
  value?: ParsedNode;
}

function walk(parsed: ParsedYaml, path: readonly PathSegment[]): Found {
  let found: Found = { value: parsed.document.contents ?? undefined };
  for (const segment of path) {
    const node = found.value;
    let next: Found | undefined;
    if (isMap(node)) {
      const pair = pairsByKey(node).get(String(segment));
      if (pair !== undefined) next = { key: pair.key as ParsedNode, value: (pair.value as ParsedNode | null) ?? undefined };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as ParsedNode | undefined;
      if (item !== undefined) next = { value: item };
    }
    if (next === undefined) break;
    found = next;
  }
  return found;
}

const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

/** Keys of a mapping, indexed once, so locating thousands of findings in a hostile file stays linear. */
function pairsByKey(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      // the first occurrence wins, as in the duplicate-key check (duplicates never get this far)
      if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
    }
    pairIndex.set(map, index);
  }
  return index;
}
