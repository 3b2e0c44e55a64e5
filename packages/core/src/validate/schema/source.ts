import type { CelRules } from './cel-rules.js';
import type { FieldPath, ResourceSignature } from '../types.js';

/**
 * One schema rule a resource breaks, in ajv's vocabulary (`keyword`, `params`), with the path of the
 * offending field. `target: 'key'` points at a key (an unknown field) instead of its value.
 */
export interface SchemaViolation {
  readonly path: FieldPath;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly schemaPath: string;
  readonly target: 'key' | 'value';
  /** ajv's own message, when the validator produced one */
  readonly message?: string;
}

/** A compiled schema for one apiVersion/kind. Compiled once, then used for every resource of that kind. */
export interface ResourceSchema {
  /** where the schema came from, for reports: a CRD file, a URL, a package */
  readonly source: string;
  /** set when the API version is served but deprecated (the CRD's deprecationWarning) */
  readonly deprecation?: string;
  /** the schema's x-kubernetes-validations (CRDs only), evaluated after a structurally sound validate */
  readonly celRules?: CelRules;
  validate(object: unknown): readonly SchemaViolation[];
}

/** What a schema source is asked for. */
export interface SchemaRequest {
  readonly signature: Pick<ResourceSignature, 'apiVersion' | 'kind' | 'group' | 'version'>;
  readonly strict: boolean;
  readonly kubernetesVersion: string;
}

/**
 * One place schemas come from (CRD files, a schema location template, the built-in package).
 * `undefined` means "not here, ask the next source"; a thrown error means the source is broken
 * (unreadable file, server error) and stops the lookup, as in kubeconform.
 */
export interface SchemaSource {
  readonly name: string;
  find(request: SchemaRequest): Promise<ResourceSchema | undefined>;
}
