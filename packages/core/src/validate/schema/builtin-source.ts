import type { ErrorObject } from 'ajv';
import { violationsFromAjv } from './ajv.js';
import { BUILTIN_KINDS, BUILTIN_MODELS_VERSION } from './builtin-kinds.js';
import type { ResourceSchema, SchemaRequest, SchemaSource, SchemaViolation } from './source.js';
import { runTracked } from './unknown-fields.js';

type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** The name users give this source in `--schema-location` to list it among others. */
export const BUILTIN_LOCATION = 'builtin';

const SOURCE = `kubernetes-models@${BUILTIN_MODELS_VERSION}`;

/**
 * Core Kubernetes kinds from the kubernetes-models package: ajv validators compiled ahead of time from
 * the Kubernetes OpenAPI document, one per kind, loaded the first time a kind is seen. Works offline,
 * for every Kubernetes version the package covers; `--kubernetes-version` does not select among them.
 */
export function builtinSchemaSource(): SchemaSource {
  return {
    name: SOURCE,
    async find(request: SchemaRequest) {
      const load = BUILTIN_KINDS[`${request.signature.apiVersion}/${request.signature.kind}`];
      if (!load) return undefined;
      const module = await load();
      return compiledResourceSchema(SOURCE, module.validate as CompiledValidator, request.strict);
    },
  };
}

/** A ResourceSchema over a precompiled validator; strict mode finds unknown fields by tracking reads. */
export function compiledResourceSchema(source: string, validate: CompiledValidator, strict: boolean): ResourceSchema {
  return {
    source,
    validate(object): SchemaViolation[] {
      if (!strict) return validate(object) ? [] : violationsFromAjv(validate.errors ?? []);
      const { valid, unknown } = runTracked(validate, object);
      return [...(valid ? [] : violationsFromAjv(validate.errors ?? [])), ...unknown];
    },
  };
}

let objectMeta: Promise<CompiledValidator> | undefined;

/**
 * Validates `metadata` of custom resources with the real ObjectMeta schema: a CRD's own schema only
 * says `metadata: {type: object}`, while the API server checks ObjectMeta for every object.
 */
export async function objectMetaSchema(strict: boolean): Promise<ResourceSchema> {
  objectMeta ??= import('@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta').then(
    (module: { validate: unknown }) => module.validate as CompiledValidator,
  );
  return compiledResourceSchema(SOURCE, await objectMeta, strict);
}
