import type { Diagnostic } from '../report/diagnostic.js';
import type { SchemaRegistry } from './schema/registry.js';
import type { ResourceSchema } from './schema/source.js';
import type { ManifestResource } from './types.js';

/** What a check gets besides the resource: how strict the run is and the schemas it can reuse. */
export interface CheckContext {
  readonly strict: boolean;
  /** the same registry the schema stage used, e.g. to validate an RGD's templates against their kinds */
  readonly schemas: SchemaRegistry;
  /** the resource's own schema, when one was found */
  readonly schema?: ResourceSchema;
}

/**
 * An extra stage run on every resource after schema validation: the GPU-workload policy and the
 * offline kro RGD analysis plug in here. Diagnostics locate themselves with `resource.locator`
 * (FILE:LINE:COL of a field path); any `error` makes the resource invalid, warnings never do.
 * A check must not keep state between resources: resources are validated concurrently.
 */
export interface ResourceCheck {
  /** stable identifier, the prefix of the check's diagnostic codes (e.g. `policy`, `kro`) */
  readonly id: string;
  /** whether this check looks at the resource at all; default: every resource */
  appliesTo?(resource: ManifestResource): boolean;
  check(resource: ManifestResource, context: CheckContext): readonly Diagnostic[] | Promise<readonly Diagnostic[]>;
}

/** Runs the registered checks that apply, in order, and gathers their findings. */
export async function runChecks(
  checks: readonly ResourceCheck[],
  resource: ManifestResource,
  context: CheckContext,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const check of checks) {
    if (check.appliesTo && !check.appliesTo(resource)) continue;
    diagnostics.push(...(await check.check(resource, context)));
  }
  return diagnostics;
}

/** The checks registered by default. None yet: the policy and kro stages will add themselves here. */
export const DEFAULT_CHECKS: readonly ResourceCheck[] = [];
