import { SimpleSchemaError } from './errors.js';
import { applyMarkers, parseMarkers, type Marker } from './markers.js';
import { cloneSchema, type JsonSchemaProps } from './openapi.js';

/**
 * kro's SimpleSchema → OpenAPI v3, as kro's `simpleschema.ToOpenAPISpec` does it:
 * - a string is `type | markers`: `string`, `integer`, `boolean`, `float` (→ number), `object`
 *   (free-form, unknown fields kept), `[]T`, `map[string]T`, or a custom type from `types`;
 * - a mapping is a nested object; fields are visited in sorted order, so `required` is sorted too;
 * - an object none of whose fields is required, and one of whose fields has a default, gets
 *   `default: {}` so the API server fills the nested defaults when the object is left out.
 */
export function simpleSchemaToOpenApi(spec: Record<string, unknown>, types: Record<string, unknown> = {}): JsonSchemaProps {
  return new Transformer(types).objectSchema(spec, 'spec');
}

type SimpleType =
  | { readonly kind: 'atomic'; readonly name: string }
  | { readonly kind: 'object' }
  | { readonly kind: 'slice'; readonly element: SimpleType }
  | { readonly kind: 'map'; readonly value: SimpleType }
  | { readonly kind: 'custom'; readonly name: string };

const ATOMIC_TYPES: Readonly<Record<string, string>> = { string: 'string', integer: 'integer', boolean: 'boolean', float: 'number' };
const MAX_NESTING = 16;

/** Parses the type before `|`: `[]map[string]Person` and friends. */
function parseSimpleType(text: string, depth = 0): SimpleType {
  if (depth > MAX_NESTING) throw new SimpleSchemaError(`type nesting too deep (max ${MAX_NESTING}): '${text}'`);
  const type = text.trim();
  if (type === '') throw new SimpleSchemaError('empty type');
  if (Object.hasOwn(ATOMIC_TYPES, type)) return { kind: 'atomic', name: type };
  if (type === 'object') return { kind: 'object' };
  if (type.startsWith('[]')) {
    const element = type.slice(2);
    if (element.trim() === '') throw new SimpleSchemaError(`empty slice element type in '${text}'`);
    return { kind: 'slice', element: parseSimpleType(element, depth + 1) };
  }
  if (type.startsWith('map[')) {
    if (!type.startsWith('map[string]')) throw new SimpleSchemaError(`map keys must be string in '${text}'`);
    const value = type.slice('map[string]'.length);
    if (value.trim() === '') throw new SimpleSchemaError(`map value type is required in '${text}'`);
    return { kind: 'map', value: parseSimpleType(value, depth + 1) };
  }
  return { kind: 'custom', name: type };
}

/** `[]string | minItems=1` → its type and markers. */
function parseSimpleField(text: string): { type: SimpleType; markers: Marker[] } {
  const bar = text.indexOf('|');
  const type = parseSimpleType(bar === -1 ? text : text.slice(0, bar));
  const markers = bar === -1 ? [] : parseMarkers(text.slice(bar + 1));
  return { type, markers };
}

interface CustomType {
  readonly schema: JsonSchemaProps;
  readonly required: boolean;
}

class Transformer {
  private readonly custom = new Map<string, CustomType>();

  constructor(types: Record<string, unknown>) {
    for (const name of topologicalOrder(types)) {
      const spec = types[name];
      if (typeof spec === 'string') {
        const parent: JsonSchemaProps = {};
        const schema = this.fieldFromString(name, spec, parent);
        this.custom.set(name, { schema, required: (parent.required ?? []).length > 0 });
      } else {
        this.custom.set(name, { schema: this.objectSchema(asMapping(spec, name), name), required: false });
      }
    }
  }

  objectSchema(spec: Record<string, unknown>, path: string): JsonSchemaProps {
    const schema: JsonSchemaProps = { type: 'object', properties: {} };
    let childHasDefault = false;
    for (const field of Object.keys(spec).sort(compareCodeUnits)) {
      const value = spec[field];
      const fieldPath = `${path}.${field}`;
      let child: JsonSchemaProps;
      if (typeof value === 'string') child = this.fieldFromString(field, value, schema, fieldPath);
      else child = this.objectSchema(asMapping(value, fieldPath), fieldPath);
      schema.properties![field] = child;
      if (child.default !== undefined) childHasDefault = true;
    }
    if ((schema.required ?? []).length === 0 && childHasDefault && schema.default === undefined) schema.default = {};
    return schema;
  }

  private fieldFromString(field: string, text: string, parent: JsonSchemaProps, path = field): JsonSchemaProps {
    let parsed;
    try {
      parsed = parseSimpleField(text);
    } catch (error) {
      if (error instanceof SimpleSchemaError) throw new SimpleSchemaError(`${path}: ${error.message}`);
      throw error;
    }
    const schema = this.typeSchema(parsed.type, path);
    if (parsed.type.kind === 'custom' && this.custom.get(parsed.type.name)?.required) {
      parent.required = [...(parent.required ?? []), field];
    }
    applyMarkers(schema, parsed.markers, field, parent);
    return schema;
  }

  private typeSchema(type: SimpleType, path: string): JsonSchemaProps {
    switch (type.kind) {
      case 'atomic':
        return { type: ATOMIC_TYPES[type.name]! };
      case 'object':
        return { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case 'slice':
        return { type: 'array', items: this.typeSchema(type.element, path) };
      case 'map':
        return { type: 'object', additionalProperties: this.typeSchema(type.value, path) };
      case 'custom': {
        const custom = this.custom.get(type.name);
        if (!custom) throw new SimpleSchemaError(`${path}: unknown type '${type.name}'; declare it under schema.types or use string, integer, boolean, float, object, []T or map[string]T`);
        return cloneSchema(custom.schema);
      }
    }
  }
}

/** Custom types in an order where each comes after the types it uses; a cycle is an error. */
function topologicalOrder(types: Record<string, unknown>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]) => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new SimpleSchemaError(`cyclic dependency between custom types: ${[...trail, name].join(' → ')}`);
    state.set(name, 'visiting');
    for (const dependency of dependenciesOf(types[name], name)) {
      if (Object.hasOwn(types, dependency)) visit(dependency, [...trail, name]);
    }
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(types).sort(compareCodeUnits)) visit(name, []);
  return order;
}

function dependenciesOf(spec: unknown, path: string): string[] {
  if (typeof spec === 'string') return customNames(parseSimpleField(spec).type);
  return Object.entries(asMapping(spec, path)).flatMap(([field, value]) => dependenciesOf(value, `${path}.${field}`));
}

function customNames(type: SimpleType): string[] {
  if (type.kind === 'custom') return [type.name];
  if (type.kind === 'slice') return customNames(type.element);
  if (type.kind === 'map') return customNames(type.value);
  return [];
}

function asMapping(value: unknown, path: string): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new SimpleSchemaError(`${path}: expected a type string or a mapping of fields, not ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
