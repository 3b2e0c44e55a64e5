import { describeType } from './parse.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { SchemaViolation } from './schema/source.js';
import { formatFieldPath, type FieldPath, type ManifestResource } from './types.js';

/** Stable diagnostic codes (SARIF rule ids) for schema findings. */
export const SCHEMA_CODES: Readonly<Record<string, string>> = {
  additionalProperties: 'schema/unknown-field',
  required: 'schema/required-field',
  type: 'schema/type',
  enum: 'schema/enum',
  const: 'schema/enum',
  format: 'schema/format',
  pattern: 'schema/pattern',
};

/**
 * Schema violations as located diagnostics, one sentence each: the field, what is wrong, what is
 * expected. The branches of an `anyOf`/`oneOf` (int-or-string, quantities) are folded into one
 * finding ("expected integer or string"), so one mistake reads as one line.
 */
export function violationDiagnostics(resource: ManifestResource, violations: readonly SchemaViolation[]): Diagnostic[] {
  const alternatives = new Map<string, SchemaViolation>();
  for (const violation of violations) {
    if (violation.keyword === 'anyOf' || violation.keyword === 'oneOf') alternatives.set(pathKey(violation.path), violation);
  }
  // a branch that failed on something other than its type (a quantity string with a bad suffix) is the
  // real finding; when every branch failed on type, one "expected A or B" finding says it all
  const branches = new Map<string, SchemaViolation[]>();
  for (const violation of violations) {
    const key = pathKey(violation.path);
    const alternative = alternatives.get(key);
    if (alternative && violation !== alternative && violation.target === 'value') {
      branches.set(key, [...(branches.get(key) ?? []), violation]);
    }
  }
  const folded = new Map<string, string[]>();
  const kept: SchemaViolation[] = [];
  for (const violation of violations) {
    const key = pathKey(violation.path);
    const branch = branches.get(key);
    if (!branch) {
      kept.push(violation);
      continue;
    }
    const specific = branch.filter((v) => v.keyword !== 'type');
    if (violation === alternatives.get(key)) {
      if (specific.length === 0) {
        folded.set(key, branch.flatMap((v) => typeNames(v.params.type)));
        kept.push(violation);
      }
    } else if (violation.keyword !== 'type' && specific.includes(violation)) {
      kept.push(violation);
    }
  }

  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const violation of kept) {
    const value = valueAt(resource.object, violation.path);
    const types = folded.get(pathKey(violation.path));
    const message = describeViolation(violation, value, resource.signature.kind, types);
    const dedupe = `${pathKey(violation.path)}\u0000${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    diagnostics.push({
      severity: 'error',
      location: resource.locator.locate(violation.path, violation.target),
      message,
      code: SCHEMA_CODES[violation.keyword] ?? `schema/${violation.keyword}`,
    });
  }
  return diagnostics;
}

function describeViolation(violation: SchemaViolation, value: unknown, kind: string, foldedTypes?: string[]): string {
  const { keyword, params, path } = violation;
  const field = formatFieldPath(path);
  const at = (problem: string) => (field ? `${field}: ${problem}` : problem);
  switch (keyword) {
    case 'type':
      return at(`expected ${typeNames(params.type).join(' or ')}, got ${preview(value)}`);
    case 'additionalProperties':
      return at(`unknown field (not in the ${kind} schema); remove it or fix its spelling`);
    case 'required':
      return `${formatFieldPath([...path, String(params.missingProperty)])}: required field is missing`;
    case 'enum':
      return at(`${json(value)} is not one of ${listValues(params.allowedValues)}`);
    case 'const':
      return at(`must be ${json(params.allowedValue)}, got ${json(value)}`);
    case 'format':
      return at(`${json(value)} is not a valid ${String(params.format)}`);
    case 'pattern':
      return at(`${json(value)} does not match the pattern ${String(params.pattern)}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`${json(value)} must be ${String(params.comparison)} ${String(params.limit)}`);
    case 'minLength':
      return at(`must be at least ${String(params.limit)} characters long, got ${json(value)}`);
    case 'maxLength':
      return at(`must be at most ${String(params.limit)} characters long, got ${(value as string).length}`);
    case 'minItems':
      return at(`must have at least ${String(params.limit)} item(s)`);
    case 'maxItems':
      return at(`must have at most ${String(params.limit)} item(s)`);
    case 'minProperties':
      return at(`must have at least ${String(params.limit)} field(s)`);
    case 'maxProperties':
      return at(`must have at most ${String(params.limit)} field(s)`);
    case 'uniqueItems':
      return at(`items ${String(params.j)} and ${String(params.i)} are identical; the list must not repeat items`);
    case 'multipleOf':
      return at(`${json(value)} must be a multiple of ${String(params.multipleOf)}`);
    case 'anyOf':
    case 'oneOf':
      if (foldedTypes?.length) return at(`expected ${unique(foldedTypes).join(' or ')}, got ${preview(value)}`);
      if (keyword === 'oneOf' && Array.isArray(params.passingSchemas)) return at('matches more than one of the allowed forms; use exactly one');
      return at(`${preview(value)} does not match any of the allowed forms`);
    case 'not':
      return at('this value is not allowed here');
    default:
      return at(violation.message ?? `breaks the schema rule '${keyword}'`);
  }
}

function typeNames(type: unknown): string[] {
  const names = Array.isArray(type) ? type.map(String) : String(type).split(',');
  return names.filter((name) => name !== 'null');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function listValues(values: unknown): string {
  return Array.isArray(values) ? values.map(json).join(', ') : json(values);
}

/** `string "asd"`, `integer 8`, `object`: the type, and the value when it is short. */
function preview(value: unknown): string {
  const type = describeType(value);
  if (value === null || typeof value === 'object') return type;
  const text = json(value);
  return text.length <= 40 ? `${type} ${text}` : type;
}

function json(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function pathKey(path: FieldPath): string {
  return path.map(String).join('\u0000');
}

/** The value at a field path, or undefined. */
export function valueAt(object: unknown, path: FieldPath): unknown {
  let current = object;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
