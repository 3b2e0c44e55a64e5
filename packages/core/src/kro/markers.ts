import { SimpleSchemaError } from './errors.js';
import type { JsonSchemaProps } from './openapi.js';

/** The markers kro's SimpleSchema accepts after `|`, e.g. `string | required=true default="x"`. */
const MARKER_KEYS = [
  'required',
  'default',
  'description',
  'minimum',
  'maximum',
  'validation',
  'enum',
  'immutable',
  'pattern',
  'uniqueItems',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
] as const;

type MarkerKey = (typeof MARKER_KEYS)[number];

export interface Marker {
  readonly key: MarkerKey;
  readonly value: string;
}

function isMarkerKey(key: string): key is MarkerKey {
  return (MARKER_KEYS as readonly string[]).includes(key);
}

/**
 * Splits `key=value key="quoted value" key={...}` the way kro does: whitespace separates markers
 * outside quotes and brackets; a quoted value loses its quotes and its `\"` / `\\` escapes (other
 * backslashes are kept, so regular expressions survive).
 */
export function parseMarkers(text: string): Marker[] {
  const markers: Marker[] = [];
  let key: MarkerKey | undefined;
  let inQuotes = false;
  let escaped = false;
  let brackets = 0;
  let buffer = '';
  const finish = () => {
    if (key !== undefined) markers.push({ key, value: processValue(buffer) });
    key = undefined;
    buffer = '';
  };
  for (const char of text) {
    if (char === '=' && key === undefined && !inQuotes && brackets === 0) {
      const name = buffer.trim();
      if (name === '') throw new SimpleSchemaError(`empty marker key in '${text}'`);
      if (!isMarkerKey(name)) throw new SimpleSchemaError(`unknown marker '${name}' in '${text}'; kro knows ${MARKER_KEYS.join(', ')}`);
      key = name;
      buffer = '';
    } else if (char === '"' && !escaped) {
      inQuotes = !inQuotes;
      buffer += char;
    } else if (char === '\\' && inQuotes && !escaped) {
      escaped = true;
      buffer += char;
    } else if ((char === '{' || char === '[') && !inQuotes) {
      brackets += 1;
      buffer += char;
    } else if ((char === '}' || char === ']') && !inQuotes) {
      brackets -= 1;
      buffer += char;
      if (brackets < 0) throw new SimpleSchemaError(`unmatched closing bracket in markers '${text}'`);
    } else if (/\s/u.test(char) && !inQuotes && brackets === 0) {
      if (key !== undefined) finish();
    } else {
      if (escaped && inQuotes) escaped = false;
      buffer += char;
    }
  }
  finish();
  if (inQuotes) throw new SimpleSchemaError(`unclosed quote in markers '${text}'`);
  if (brackets > 0) throw new SimpleSchemaError(`unclosed bracket in markers '${text}'`);
  return markers;
}

function processValue(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return unescape(value.slice(1, -1));
  return value.trim();
}

function unescape(text: string): string {
  let result = '';
  let escaped = false;
  for (const char of text) {
    if (escaped) {
      if (char !== '"' && char !== '\\') result += '\\';
      result += char;
      escaped = false;
    } else if (char === '\\') {
      escaped = true;
    } else {
      result += char;
    }
  }
  return result;
}

/** Applies markers to a field's schema; `required` adds the field to its parent's `required`. */
export function applyMarkers(schema: JsonSchemaProps, markers: readonly Marker[], field: string, parent: JsonSchemaProps): void {
  for (const { key, value } of markers) {
    switch (key) {
      case 'required':
        if (parseBool(value, key)) parent.required = [...(parent.required ?? []), field];
        break;
      case 'default':
        schema.default = parseDefault(schema.type, value, field);
        break;
      case 'description':
        schema.description = value;
        break;
      case 'minimum':
        schema.minimum = parseNumber(value, key, field);
        break;
      case 'maximum':
        schema.maximum = parseNumber(value, key, field);
        break;
      case 'validation':
        if (value.trim() === '') throw new SimpleSchemaError(`field ${field}: validation marker has an empty rule`);
        schema['x-kubernetes-validations'] = [{ rule: value, message: 'validation failed' }];
        break;
      case 'immutable':
        if (parseBool(value, key)) {
          schema['x-kubernetes-validations'] = [...(schema['x-kubernetes-validations'] ?? []), { rule: 'self == oldSelf', message: 'field is immutable' }];
        }
        break;
      case 'enum':
        schema.enum = parseEnum(schema.type, value, field);
        break;
      case 'minLength':
      case 'maxLength':
        requireType(schema, 'string', key, field);
        schema[key] = parseInteger(value, key, field);
        break;
      case 'pattern':
        if (value === '') throw new SimpleSchemaError(`field ${field}: pattern marker value cannot be empty`);
        requireType(schema, 'string', key, field);
        schema.pattern = value;
        break;
      case 'uniqueItems':
        requireType(schema, 'array', key, field);
        // kro never emits uniqueItems: the API server rejects it; a set-typed list means the same
        if (parseBool(value, key)) schema['x-kubernetes-list-type'] = 'set';
        break;
      case 'minItems':
      case 'maxItems':
        requireType(schema, 'array', key, field);
        schema[key] = parseInteger(value, key, field);
        break;
    }
  }
}

function requireType(schema: JsonSchemaProps, type: string, key: string, field: string): void {
  if (schema.type !== type) {
    throw new SimpleSchemaError(`field ${field}: the ${key} marker is only valid for ${type} types, not ${schema.type ?? 'this type'}`);
  }
}

function parseBool(value: string, key: string): boolean {
  if (['true', 'True', 'TRUE', '1', 't', 'T'].includes(value)) return true;
  if (['false', 'False', 'FALSE', '0', 'f', 'F'].includes(value)) return false;
  throw new SimpleSchemaError(`the ${key} marker takes true or false, not '${value}'`);
}

function parseNumber(value: string, key: string, field: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) throw new SimpleSchemaError(`field ${field}: the ${key} marker takes a number, not '${value}'`);
  return number;
}

function parseInteger(value: string, key: string, field: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new SimpleSchemaError(`field ${field}: the ${key} marker takes an integer, not '${value}'`);
  return Number(value);
}

/** kro writes the default as raw JSON: strings quoted, everything else verbatim. */
function parseDefault(type: string | undefined, value: string, field: string): unknown {
  if (type === 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new SimpleSchemaError(`field ${field}: default '${value}' is not a valid ${type ?? 'JSON'} value`);
  }
}

function parseEnum(type: string | undefined, value: string, field: string): unknown[] {
  return value.split(',').map((item) => {
    const trimmed = item.trim();
    if (trimmed === '') throw new SimpleSchemaError(`field ${field}: empty enum values are not allowed`);
    if (type === 'string') return trimmed;
    if (type === 'integer') {
      if (!/^[+-]?\d+$/.test(trimmed)) throw new SimpleSchemaError(`field ${field}: enum value '${trimmed}' is not an integer`);
      return Number(trimmed);
    }
    throw new SimpleSchemaError(`field ${field}: enum values are only supported for string and integer types, not ${type ?? 'this type'}`);
  });
}
