import { allowNull, mapValues, normalizeOpenApi } from './ajv.js';
import { SimpleSchemaError } from '../../kro/errors.js';
import { instanceCrd, type RgdSchema } from '../../kro/instance-crd.js';

/** One served version of a CustomResourceDefinition, with its schema as JSON Schema. */
export interface CrdVersion {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  /** the CRD's `metadata.name`, e.g. rayservices.ray.io */
  readonly crdName: string;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  /** openAPIV3Schema as the CRD spells it (converted on demand, per strictness) */
  readonly openApiSchema: unknown;
}

/**
 * The served versions of a CRD object (apiextensions.k8s.io/v1, or v1beta1 with its top-level
 * `validation`). Versions that are not served are left out: the API server rejects them.
 * Returns [] for anything that is not a CRD.
 */
export function crdVersions(crd: unknown): CrdVersion[] {
  if (isResourceGraphDefinition(crd)) return crdVersions(rgdInstanceCrd(crd));
  if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) return [];
  const spec = crd.spec;
  const names = isObject(spec.names) ? spec.names : {};
  const group = typeof spec.group === 'string' ? spec.group : '';
  const kind = typeof names.kind === 'string' ? names.kind : '';
  const crdName = isObject(crd.metadata) && typeof crd.metadata.name === 'string' ? crd.metadata.name : `${kind}.${group}`;
  if (!group || !kind) return [];
  const sharedSchema = isObject(spec.validation) ? spec.validation.openAPIV3Schema : undefined;

  const versions: CrdVersion[] = [];
  const listed = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  if (listed.length === 0 && typeof spec.version === 'string') listed.push({ name: spec.version, served: true });
  for (const entry of listed) {
    if (typeof entry.name !== 'string' || entry.served === false) continue;
    const own = isObject(entry.schema) ? entry.schema.openAPIV3Schema : undefined;
    versions.push({
      group,
      kind,
      version: entry.name,
      crdName,
      deprecated: entry.deprecated === true,
      ...(typeof entry.deprecationWarning === 'string' ? { deprecationWarning: entry.deprecationWarning } : {}),
      openApiSchema: own ?? sharedSchema ?? { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true },
    });
  }
  return versions;
}

/**
 * Converts a CRD's structural OpenAPI schema to the JSON Schema the API server effectively enforces:
 * - `x-kubernetes-int-or-string` → integer or string (a `pattern`, e.g. of a quantity, still applies to strings)
 * - `x-kubernetes-preserve-unknown-fields` → unknown fields allowed there, even in strict mode
 * - `nullable: true` → null accepted; a null in an optional non-nullable field is accepted too, since
 *   the server prunes it before validation
 * - `x-kubernetes-list-type: set` → items unique
 * - strict → `additionalProperties: false` on every object that lists `properties`, like the server's
 *   strict field validation (and kubeconform's -strict schemas)
 * Descriptions are dropped; they only cost compile time.
 */
export function crdToJsonSchema(openApiSchema: unknown, options: { strict: boolean }): Record<string, unknown> {
  const converted = convertNode(openApiSchema, options.strict);
  return normalizeOpenApi(converted) as Record<string, unknown>;
}

const DROPPED_KEYS = new Set(['description', 'example', 'externalDocs', 'title']);

function convertNode(input: unknown, strict: boolean): unknown {
  if (!isObject(input)) return input;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (DROPPED_KEYS.has(key) || key.startsWith('x-')) continue;
    switch (key) {
      case 'properties':
      case 'patternProperties':
        out[key] = mapValues(value, (v) => convertNode(v, strict));
        break;
      case 'items':
        out[key] = Array.isArray(value) ? value.map((v) => convertNode(v, strict)) : convertNode(value, strict);
        break;
      case 'additionalProperties':
      case 'not':
        out[key] = typeof value === 'boolean' ? value : convertNode(value, strict);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = Array.isArray(value) ? value.map((v) => convertNode(v, strict)) : value;
        break;
      default:
        out[key] = value;
    }
  }

  if (input['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!Array.isArray(out.anyOf) && !Array.isArray(out.oneOf)) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (input['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;

  const preserves = input['x-kubernetes-preserve-unknown-fields'] === true;
  if (strict && !preserves && isObject(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }

  // the server applies defaults before it validates: a required field with a default is never missing
  if (isObject(out.properties) && Array.isArray(out.required)) {
    const properties = out.properties;
    const required = out.required.filter((name) => !(isObject(properties[name]) && properties[name].default !== undefined));
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  // the server prunes null from optional fields that are not nullable; nullable ones keep it
  if (isObject(out.properties)) {
    const required = new Set(Array.isArray(out.required) ? out.required : []);
    for (const [name, property] of Object.entries(out.properties)) {
      if (!required.has(name) && isObject(property) && property.nullable !== true) acceptNull(property);
    }
  }
  if (out.nullable === true) {
    acceptNull(out);
    delete out.nullable;
  }
  return out;
}

function acceptNull(node: Record<string, unknown>): void {
  if (node.type !== undefined) {allowNull(node);} else if (Array.isArray(node.anyOf) && !node.anyOf.some((s) => isObject(s) && s.type === 'null')) {
    node.anyOf = [...node.anyOf, { type: 'null' }];
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A kro ResourceGraphDefinition defines a kind too: its instances validate against the CRD kro would create. */
function isResourceGraphDefinition(object: unknown): object is { spec: { schema: RgdSchema } } {
  return (
    isObject(object) &&
    object.kind === 'ResourceGraphDefinition' &&
    typeof object.apiVersion === 'string' &&
    object.apiVersion.startsWith('kro.run/') &&
    isObject(object.spec) &&
    isObject(object.spec.schema)
  );
}

function rgdInstanceCrd(rgd: { spec: { schema: RgdSchema } }): unknown {
  try {
    return instanceCrd(rgd.spec.schema);
  } catch (error) {
    // a broken SimpleSchema is the kro analysis' finding; here it just defines no kind
    if (error instanceof SimpleSchemaError) return undefined;
    throw error;
  }
}
