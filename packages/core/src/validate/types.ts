import type { ResourceLocator } from './yaml-locator.js';
import type { Diagnostic, SourceLocation } from '../report/diagnostic.js';

// a field path lives in its own module so the YAML locator needs nothing from here
export { formatFieldPath, type FieldPath } from './field-path.js';

/** What happened to one resource (or one document that could not become a resource). */
type ValidationStatus = 'valid' | 'invalid' | 'error' | 'skipped' | 'empty';

/** apiVersion + kind split the way the API server and kubeconform's templates need them. */
export interface ResourceSignature {
  readonly apiVersion: string;
  readonly kind: string;
  /** API group; '' for the core group (apiVersion `v1`) */
  readonly group: string;
  readonly version: string;
  readonly name?: string;
  readonly namespace?: string;
}

/** One Kubernetes object read from a manifest file, with everything needed to point at its fields. */
export interface ManifestResource {
  /** the file as the user named it (or `stdin`) */
  readonly file: string;
  /** 0-based index of the YAML document in the file */
  readonly documentIndex: number;
  /** 0-based index inside a `kind: List` document, when the resource came from one */
  readonly listIndex?: number;
  /** the object as the API server would decode it (JSON data model) */
  readonly object: Record<string, unknown>;
  readonly signature: ResourceSignature;
  /** start of the resource in the file */
  readonly location: SourceLocation;
  /** maps a field path to FILE:LINE:COL */
  readonly locator: ResourceLocator;
}

/** Identity of the resource a result is about; small enough to keep in a report. */
export interface ResourceRef {
  readonly file: string;
  readonly documentIndex: number;
  readonly listIndex?: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly location: SourceLocation;
}

/** The verdict on one resource, kubeconform's `Result{Resource, Status, Err}` with located findings. */
export interface ValidationResult {
  readonly resource: ResourceRef;
  readonly status: ValidationStatus;
  /** errors make a resource invalid; warnings never change the status */
  readonly diagnostics: readonly Diagnostic[];
  /** where the schema came from (CRD file, URL, package), when one was used */
  readonly schemaSource?: string;
}

/** Counts over a whole run. Empty documents are not resources and are not counted. */
export interface ValidationSummary {
  readonly files: number;
  readonly resources: number;
  readonly valid: number;
  readonly invalid: number;
  readonly errors: number;
  readonly skipped: number;
  /** true iff nothing is invalid and nothing errored: the exit-code rule */
  readonly ok: boolean;
}

/** Human identity of a resource, e.g. `RayService llama`. */
export function describeResource(ref: Pick<ResourceRef, 'kind' | 'name' | 'namespace'>): string {
  const kind = ref.kind ?? 'resource';
  const name = ref.name ? ` ${ref.name}` : '';
  return `${kind}${name}`;
}

export function emptySummary(): ValidationSummary {
  return { files: 0, resources: 0, valid: 0, invalid: 0, errors: 0, skipped: 0, ok: true };
}

/** Adds one result to running counts (pure, so reporters and the pipeline agree). */
export function addToSummary(summary: ValidationSummary, status: ValidationStatus): ValidationSummary {
  if (status === 'empty') return summary;
  const next = { ...summary, resources: summary.resources + 1 };
  if (status === 'valid') next.valid += 1;
  else if (status === 'invalid') next.invalid += 1;
  else if (status === 'error') next.errors += 1;
  else next.skipped += 1;
  next.ok = next.invalid === 0 && next.errors === 0;
  return next;
}

/** The identity a result reports for a resource. */
export function refOf(resource: ManifestResource): ResourceRef {
  const { signature } = resource;
  return {
    file: resource.file,
    documentIndex: resource.documentIndex,
    ...(resource.listIndex !== undefined ? { listIndex: resource.listIndex } : {}),
    apiVersion: signature.apiVersion,
    kind: signature.kind,
    ...(signature.name ? { name: signature.name } : {}),
    ...(signature.namespace ? { namespace: signature.namespace } : {}),
    location: resource.location,
  };
}
