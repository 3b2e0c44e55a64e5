import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { CatalogDocument } from './catalog-document.js';
import schema from './model.schema.json' with { type: 'json' };

/** The published JSON Schema of one catalog entry (model.schema.json). */
export const MODEL_ENTRY_SCHEMA = schema;

let compiled: ValidateFunction<CatalogDocument> | undefined;

/** Compiled on first use, once per process. */
function validator(): ValidateFunction<CatalogDocument> {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true });
    // Editor-only keyword (VS Code, yaml-language-server); schema-findings.ts reads it too.
    ajv.addKeyword('patternErrorMessage');
    compiled = ajv.compile<CatalogDocument>(schema);
  }
  return compiled;
}

/** Every way `data` breaks the schema (allErrors); empty when it conforms. */
export function validateAgainstSchema(data: unknown): ErrorObject[] {
  const validate = validator();
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
