// What every schema source shares about ajv's validators and errors. Creating an ajv instance (to
// compile) is in ajv-compiler.ts, loaded only when a validator is not in the cache.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ResourceSchema, SchemaViolation } from './source.js';
import { RayGitopsError } from '../../errors/errors.js';

/** A schema file or CRD cannot be read, fetched or compiled. */
export class SchemaLoadError extends RayGitopsError {}

/** Wraps a compiled ajv validator as a ResourceSchema. */
export function ajvResourceSchema(source: string, validate: ValidateFunction): ResourceSchema {
  return {
    source,
    validate: (object) => (validate(object) ? [] : violationsFromAjv(validate.errors ?? [])),
  };
}

/** ajv errors (also those of ajv-compiled validators shipped in packages) as violations. */
export function violationsFromAjv(errors: readonly ErrorObject[], prefix: readonly (string | number)[] = []): SchemaViolation[] {
  return errors.map((error) => {
    const path = [...prefix, ...parsePointer(error.instancePath)];
    if (error.keyword === 'additionalProperties') {
      const property = String((error.params as { additionalProperty?: unknown }).additionalProperty);
      return { path: [...path, property], keyword: error.keyword, params: error.params, schemaPath: error.schemaPath, target: 'key' as const };
    }
    return {
      path,
      keyword: error.keyword,
      params: error.params,
      schemaPath: error.schemaPath,
      target: 'value' as const,
      ...(error.message ? { message: error.message } : {}),
    };
  });
}

/** `/spec/containers/0/name` → ['spec', 'containers', 0, 'name'] (array indexes as numbers). */
export function parsePointer(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => {
      const text = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9]\d*)$/.test(text) ? Number(text) : text;
    });
}

/**
 * Rewrites OpenAPI 3.0 spellings into JSON Schema that ajv understands: boolean
 * `exclusiveMinimum`/`exclusiveMaximum`, `nullable`, `$schema` of other drafts. Returns a new object.
 */
export function normalizeOpenApi(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalizeOpenApi);
  if (typeof schema !== 'object' || schema === null) return schema;
  const input = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === '$schema') continue;
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions' || key === '$defs') {
      out[key] = mapValues(value, normalizeOpenApi);
    } else if (key === 'enum' || key === 'const' || key === 'default' || key === 'example' || key === 'examples') {
      out[key] = value;
    } else {
      out[key] = normalizeOpenApi(value);
    }
  }
  if (typeof out.exclusiveMinimum === 'boolean') {
    if (out.exclusiveMinimum && typeof out.minimum === 'number') {
      out.exclusiveMinimum = out.minimum;
      delete out.minimum;
    } else {delete out.exclusiveMinimum;}
  }
  if (typeof out.exclusiveMaximum === 'boolean') {
    if (out.exclusiveMaximum && typeof out.maximum === 'number') {
      out.exclusiveMaximum = out.maximum;
      delete out.maximum;
    } else {delete out.exclusiveMaximum;}
  }
  if (out.nullable === true) allowNull(out);
  delete out.nullable;
  return out;
}

/** Lets a schema node accept null as well as what it already accepts. */
export function allowNull(node: Record<string, unknown>): void {
  if (typeof node.type === 'string') node.type = node.type === 'null' ? 'null' : [node.type, 'null'];
  else if (Array.isArray(node.type) && !node.type.includes('null')) node.type = [...node.type, 'null'];
  if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
}

export function mapValues(value: unknown, fn: (v: unknown) => unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fn(v)]));
}
