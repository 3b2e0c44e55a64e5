import type { ErrorObject } from 'ajv/dist/2020.js';
import { closestMatch } from './did-you-mean.js';
import type { Finding } from './findings.js';
import { describeValue, fieldName, formatNumber, inlineYaml, listOr, quote } from './messages.js';
import type { PathSegment } from './messages.js';

/** The parts of a (sub)schema that messages draw on. */
interface SchemaNode {
  readonly properties?: Record<string, SchemaNode>;
  readonly examples?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly patternErrorMessage?: string;
}

/**
 * One finding per place from ajv's errors, each a sentence saying what is wrong and what to do. Type
 * errors come first, so `maxModelLen: "8192"` reads "must be a whole number", not "must be one of".
 */
export function schemaFindings(errors: readonly ErrorObject[]): Finding[] {
  const ordered = [...errors.filter((e) => e.keyword === 'type'), ...errors.filter((e) => e.keyword !== 'type')];
  const findings: Finding[] = [];
  for (const error of ordered) {
    const finding = describeError(error);
    if (finding !== undefined) findings.push(finding);
  }
  return findings;
}

function describeError(error: ErrorObject): Finding | undefined {
  const path = pointerToPath(error.instancePath);
  const field = fieldName(path);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const suggestion = closestMatch(name, known);
      const hint = suggestion !== undefined ? `did you mean ${quote(suggestion)}?` : `remove it, or use one of ${known.join(', ')}`;
      return { code: 'catalog/unknown-field', message: `unknown field ${quote(name)} in ${field}; ${hint}`, path: [...path, name], at: 'key' };
    }
    case 'required': {
      const name = String(params.missingProperty);
      const example = parent.properties?.[name]?.examples?.[0];
      const hint = example === undefined ? 'add it' : `add it, for example ${name}: ${inlineYaml(example)}`;
      // the missing field's own key does not exist, so locating it lands on its parent's key
      return { code: 'catalog/missing-field', message: `${field} is missing the required field ${quote(name)}; ${hint}`, path: [...path, name], at: 'key' };
    }
    case 'type': {
      const example = parent.examples?.[0];
      const key = path[path.length - 1];
      const sample = example === undefined || key === undefined ? undefined : `${String(key)}: ${inlineYaml(example)}`;
      return { code: 'catalog/wrong-type', message: typeMessage(field, typeList(params.type), error.data, sample), path, at: 'value' };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const suggestion = typeof error.data === 'string' ? closestMatch(error.data, allowed) : undefined;
      const hint = suggestion !== undefined ? `did you mean ${quote(suggestion)}?` : `use ${listOr(allowed)}`;
      return { code: 'catalog/invalid-value', message: `${field} ${shortValue(error.data)} is not allowed; ${hint}`, path, at: 'value' };
    }
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum } = parent;
      const range =
        minimum !== undefined && maximum !== undefined
          ? `between ${minimum} and ${maximum}`
          : minimum !== undefined
            ? `to at least ${minimum}`
            : `to at most ${maximum}`;
      return { code: 'catalog/out-of-range', message: `${field} is ${shortValue(error.data)}, out of range; set it ${range}`, path, at: 'value' };
    }
    case 'minLength':
      return { code: 'catalog/invalid-value', message: `${field} is empty; set a value`, path, at: 'value' };
    case 'maxLength': {
      const limit = Number(params.limit);
      if (error.propertyName !== undefined) {
        return {
          code: 'catalog/invalid-value',
          message: `${field} key ${quote(error.propertyName)} is longer than ${limit} characters; shorten it`,
          path: [...path, error.propertyName],
          at: 'key',
        };
      }
      const length = typeof error.data === 'string' ? error.data.length : 0;
      return { code: 'catalog/invalid-value', message: `${field} is ${length} characters long; shorten it to at most ${limit}`, path, at: 'value' };
    }
    case 'pattern': {
      const hint = sentenceTail(parent.patternErrorMessage ?? `use a value that matches ${String(params.pattern)}`);
      if (error.propertyName !== undefined) {
        return {
          code: 'catalog/invalid-value',
          message: `${field} key ${quote(error.propertyName)} is not valid; ${hint}`,
          path: [...path, error.propertyName],
          at: 'key',
        };
      }
      return { code: 'catalog/invalid-value', message: `${field} ${shortValue(error.data)} is not valid; ${hint}`, path, at: 'value' };
    }
    case 'propertyNames':
      return undefined; // the failing keyword inside propertyNames reports it, with the key's position
    case 'minProperties': {
      const kinds = Object.keys(parent.properties ?? {});
      return { code: 'catalog/source-kind', message: `${field} is empty; set exactly one of ${listOr(kinds)}`, path, at: 'value' };
    }
    case 'maxProperties': {
      const present = Object.keys((error.data ?? {}) as object);
      return {
        code: 'catalog/source-kind',
        message: `${field} sets ${listAnd(present.map(quote))}, but exactly one is allowed; keep only the one the weights come from`,
        path: [...path, present[present.length - 1]],
        at: 'key',
      };
    }
    default:
      return { code: 'catalog/schema', message: `${field} ${error.message ?? 'is not valid'}; see model.schema.json`, path, at: 'value' };
  }
}

function typeMessage(field: string, expected: readonly string[], data: unknown, sample: string | undefined): string {
  const wantsNumber = expected.includes('integer') || expected.includes('number');
  if (typeof data === 'number' && expected.length === 1 && expected[0] === 'integer') {
    return Number.isFinite(data)
      ? `${field} must be a whole number, not ${formatNumber(data)}; drop the fraction`
      : `${field} must be a whole number, not ${formatNumber(data)}; write a finite value`;
  }
  if (typeof data === 'number' && !Number.isFinite(data)) {
    return `${field} must be a finite number, not ${formatNumber(data)}; write a finite value`;
  }
  const looksNumeric = typeof data === 'string' && data.trim() !== '' && Number.isFinite(Number(data));
  const hint = wantsNumber && looksNumeric ? '; remove the quotes' : sample === undefined ? '' : `; write it like ${sample}`;
  return `${field} must be ${describeTypes(expected)}, not ${describeValue(data)}${hint}`;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

function describeTypes(types: readonly string[]): string {
  if (types.length === 1 && types[0] === 'boolean') return 'true or false';
  return listOr(types.map((type) => TYPE_WORDS[type] ?? type));
}

function typeList(type: unknown): string[] {
  return Array.isArray(type) ? type.map(String) : [String(type)];
}

function shortValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return formatNumber(value);
  return describeValue(value);
}

function listAnd(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A schema's standalone sentence ("Use s3://…") as the tail of ours ("…; use s3://…"). */
function sentenceTail(text: string): string {
  const trimmed = text.trim().replace(/\.$/, '');
  return trimmed.charAt(0).toLowerCase() + trimmed.slice(1);
}

/** `/serving/engineArgs/a~1b` → ['serving', 'engineArgs', 'a/b'] (RFC 6901). */
export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}
