// ajv itself, loaded only when a schema has to be compiled: a run whose validators all come from the
// cache (validator-cache.ts) never loads the compiler.
import { _, Ajv, type Options, type ValidateFunction } from 'ajv';
import * as standalone from 'ajv/dist/standalone/index.js';
import { addKubernetesFormats } from './formats.js';
import { FORMATS_MODULE } from './validator-cache.js';

/**
 * ajv configured for Kubernetes schemas: every error reported (not just the first), OpenAPI's
 * vendor keywords tolerated, Kubernetes formats registered, no meta-schema checks (the schemas are
 * draft-04/OpenAPI flavoured and would not pass draft-07's).
 */
export function createAjv(options: Pick<Options, 'loadSchema' | 'code'> = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateSchema: false,
    logger: false,
    allowUnionTypes: true,
    // our own messages are built from keyword + params; unoptimised code compiles CRDs 2-3x faster
    // and validates just as fast
    messages: false,
    ...options,
    code: { optimize: false, ...options.code },
  });
  addKubernetesFormats(ajv);
  return ajv;
}

/** The ajv options a cacheable validator is compiled with: its source kept, formats taken from one module. */
export const STANDALONE_CODE_OPTIONS = { source: true, formats: _`require(${FORMATS_MODULE})` } as const;

type Generate = (ajv: Ajv, validate: ValidateFunction) => string;

/** The standalone module text of a validator compiled by `ajv` (created with STANDALONE_CODE_OPTIONS). */
export function standaloneCode(ajv: Ajv, validate: ValidateFunction): string {
  // ajv's CommonJS modules look different through Node's ESM loader and through a bundler: take either
  const module = standalone as unknown as { default?: Generate | { default?: Generate } };
  const generate = typeof module.default === 'function' ? module.default : module.default?.default ?? (standalone as unknown as Generate);
  return generate(ajv, validate);
}
