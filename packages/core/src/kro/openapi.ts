/** The OpenAPI v3 schema shape of a CRD version (`JSONSchemaProps`), the subset kro generates. */
export interface JsonSchemaProps {
  'type'?: string;
  'description'?: string;
  'default'?: unknown;
  'enum'?: unknown[];
  'minimum'?: number;
  'maximum'?: number;
  'minLength'?: number;
  'maxLength'?: number;
  'pattern'?: string;
  'minItems'?: number;
  'maxItems'?: number;
  'items'?: JsonSchemaProps;
  'properties'?: Record<string, JsonSchemaProps>;
  'required'?: string[];
  'additionalProperties'?: JsonSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
  'x-kubernetes-list-type'?: string;
}

/** A deep copy, so a resolved custom type can be changed by markers without touching the original. */
export function cloneSchema(schema: JsonSchemaProps): JsonSchemaProps {
  return structuredClone(schema);
}
