// Reading KubeRay objects the way the operator's Go structs see them, offline: a field is only judged
// when its value is known (a literal, not a kro `${…}` expression that is filled in later).
import { asArray, asRecord, isExpression } from '../policy/pod-templates.js';

export { asArray, asRecord, isExpression };

/** A literal number, or undefined when absent or filled in later. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** A literal string, or undefined when absent or filled in later. */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && !isExpression(value) ? value : undefined;
}

/** true / false when known, undefined when absent; `unknown` when kro fills it in later. */
export function flag(value: unknown): boolean | 'unknown' | undefined {
  if (typeof value === 'boolean') return value;
  if (isExpression(value)) return 'unknown';
  return undefined;
}

/** Go's `len(map) > 0` / `len(slice) > 0`. */
export function nonEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  const record = asRecord(value);
  return record !== undefined && Object.keys(record).length > 0;
}

/** Whether a value is set at all (Go: a non-nil pointer). */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export interface EnvEntry {
  readonly index: number;
  readonly name: string;
  readonly value: unknown;
  readonly valueFrom: unknown;
}

/** The env list of a container (or of autoscalerOptions), entries with a name only. */
export function envEntries(list: unknown): EnvEntry[] {
  return asArray(list).flatMap((item, index) => {
    const entry = asRecord(item);
    return entry && typeof entry.name === 'string' ? [{ index, name: entry.name, value: entry.value, valueFrom: entry.valueFrom }] : [];
  });
}

export function findEnv(list: unknown, name: string): EnvEntry | undefined {
  return envEntries(list).find((entry) => entry.name === name);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** k8s.io/apimachinery validation.IsDNS1035Label: the problems, empty when valid. */
export function dns1035LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(value)) problems.push("must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
  return problems;
}

/** validation.IsDNS1123Label. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) problems.push("must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character");
  return problems;
}

/** validation.IsQualifiedName: `[prefix/]name`, the shape of a label key. */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split('/');
  let name = value;
  const problems: string[] = [];
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    name = rest;
    if (prefix.length === 0) problems.push('prefix part must be non-empty');
    else if (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) problems.push('prefix part must be a lowercase RFC 1123 subdomain');
  } else if (parts.length > 2) {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'"];
  }
  if (name.length === 0) problems.push('name part must be non-empty');
  else if (name.length > 63) problems.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name)) problems.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  return problems;
}

/** validation.IsValidLabelValue. */
export function labelValueProblems(value: string): string[] {
  if (value === '') return [];
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!QUALIFIED_NAME.test(value)) problems.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  return problems;
}

/**
 * k8s.io/apimachinery version.ParseGeneric: two or more dot-separated numeric fields (the first
 * without leading zeros), optionally after a `v`, followed by anything. The numeric fields, or
 * undefined when the text is not a version.
 */
export function parseGenericVersion(text: string): number[] | undefined {
  const match = /^\s*v?([0-9]+(?:\.[0-9]+)+)/.exec(text);
  if (!match) return undefined;
  const parts = match[1]!.split('.');
  if (parts[0]!.length > 1 && parts[0]!.startsWith('0')) return undefined;
  return parts.map(Number);
}

/** a < b for versions as ParseGeneric reads them (missing fields count as 0). */
export function versionLessThan(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go's time.ParseDuration, in seconds; undefined when Go would reject the text. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  while (rest !== '') {
    const match = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
    if (!match || match[1] === '' || match[1] === '.') return undefined;
    total += Number(match[1]) * DURATION_UNITS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return sign * total;
}

/** Go's strconv.Atoi (base-10 int with an optional sign). */
export function parseGoInt(text: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(text) ? Number(text) : undefined;
}
