import { Parser } from 'yaml';

/**
 * No Kubernetes object is nested anywhere near this deep (a RayService is about 20 levels); the
 * readers and the schema validator recurse per level, so a file thousands of levels deep would
 * otherwise end the run with a stack overflow instead of a finding.
 */
export const MAX_NESTING_DEPTH = 256;

/**
 * The offset of the first collection nested deeper than MAX_NESTING_DEPTH, or undefined when the text
 * is shallower. A single cheap pass estimates the depth (indentation, compact `- ` entries and flow
 * brackets, counted generously); only a text that might be too deep is read into yaml's concrete
 * syntax tree, which is walked without recursion to find the exact place.
 */
export function tooDeepAt(text: string): number | undefined {
  if (estimatedDepth(text) <= MAX_NESTING_DEPTH / 2) return undefined;
  return deepestCollection(text);
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const DASH = 0x2d;
const HASH = 0x23;

/** An upper estimate of the nesting depth: never less than half the real depth, so the screen above is safe. */
function estimatedDepth(text: string): number {
  const indents: number[] = [];
  let flow = 0;
  let deepest = 0;
  let at = 0;
  while (at < text.length) {
    let indent = 0;
    while (text.charCodeAt(at + indent) === SPACE) indent += 1;
    let index = at + indent;
    const code = text.charCodeAt(index);
    if (index < text.length && code !== NEWLINE && code !== HASH) {
      while (indents.length > 0 && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      let dashes = 0;
      while (text.charCodeAt(index) === DASH && (text.charCodeAt(index + 1) === SPACE || text.charCodeAt(index + 1) === NEWLINE)) {
        dashes += 1;
        index += 1;
        while (text.charCodeAt(index) === SPACE) index += 1;
      }
      let peak = flow;
      for (; index < text.length && text.charCodeAt(index) !== NEWLINE; index += 1) {
        const char = text[index];
        if (char === '[' || char === '{') peak = Math.max(peak, (flow += 1));
        else if ((char === ']' || char === '}') && flow > 0) flow -= 1;
      }
      deepest = Math.max(deepest, indents.length + dashes + peak);
    }
    const end = text.indexOf('\n', at);
    at = end < 0 ? text.length : end + 1;
  }
  return deepest;
}

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/** Walks yaml's token tree with an explicit stack and returns where the first too-deep collection starts. */
function deepestCollection(text: string): number | undefined {
  const stack: Array<{ item: unknown; depth: number }> = [...new Parser().parse(text)].map((item) => ({ item, depth: 0 }));
  while (stack.length > 0) {
    const { item, depth } = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    const token = item as { type?: unknown; offset?: unknown };
    const level = typeof token.type === 'string' && COLLECTIONS.has(token.type) ? depth + 1 : depth;
    if (level > MAX_NESTING_DEPTH && typeof token.offset === 'number') return token.offset;
    for (const value of Object.values(item)) {
      if (value !== null && typeof value === 'object') stack.push({ item: value, depth: level });
    }
  }
  return undefined;
}
