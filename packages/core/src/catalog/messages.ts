/** Small helpers that keep diagnostic messages one line long and safe to print. */

const MAX_QUOTED = 60;

/** `'value'`, with control characters escaped and long values cut, so user input never breaks a line. */
export function quote(value: string): string {
  const cut = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value;
  // eslint-disable-next-line no-control-regex
  const escaped = cut.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'`;
}

export type PathSegment = string | number;

/** `serving.gpu.count`; the empty path is the entry itself. */
export function fieldName(path: readonly PathSegment[]): string {
  return path.length === 0 ? 'the entry' : path.map(String).join('.');
}

/** A number as YAML spells it, so `.inf` reads back as the person wrote it. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  if (value === Infinity) return '.inf';
  if (value === -Infinity) return '-.inf';
  return String(value);
}

/** What a value is, for "must be X, not Y": `the string '8192'`, `1.5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/** A short value written as inline YAML, for "add it, e.g. gpu: { type: L4, count: 1 }". */
export function inlineYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineYaml).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const pairs = Object.entries(value).map(([key, item]) => `${key}: ${inlineYaml(item)}`);
    return `{ ${pairs.join(', ')} }`;
  }
  return String(value);
}

/** `a, b or c` */
export function listOr(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
