import { annotationDisabledRules, ruleDisabled } from './disable-rules.js';
import type { PreviousTree } from './previous.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { SchemaRegistry } from './schema/registry.js';
import type { ResourceSchema } from './schema/source.js';
import type { ManifestResource, ValidationResult } from './types.js';

export { annotationDisabledRules, DISABLE_RULES_ANNOTATION, fileDisabledRules, ruleDisabled, splitRuleIds } from './disable-rules.js';

/** What a check gets besides the resource: how strict the run is and the schemas it can reuse. */
export interface CheckContext {
  readonly strict: boolean;
  /** the same registry the schema stage used, e.g. to validate an RGD's templates against their kinds */
  readonly schemas: SchemaRegistry;
  /** the resource's own schema, when one was found */
  readonly schema?: ResourceSchema;
  /** rule ids (or id prefixes such as `policy`) switched off for this resource: flag + file directive */
  readonly disabledRules?: ReadonlySet<string>;
  /** the repository root that relative paths (Argo CD source paths) are resolved against */
  readonly repoRoot?: string;
  /** the tree at `--previous REF`, when given: checks that compare with the previous version use it */
  readonly previous?: PreviousTree;
}

/**
 * An extra stage run on every resource after schema validation: the GPU-workload policy, KubeRay's
 * operator rules and the offline kro RGD analysis plug in here (assembled in gitops-checks/, above
 * both validate and the checks, so validate never imports what implements it). Diagnostics locate themselves with `resource.locator`
 * (FILE:LINE:COL of a field path); any `error` makes the resource invalid, warnings never do.
 * A check must not keep state between resources: resources are validated concurrently.
 */
export interface ResourceCheck {
  /** stable identifier, the prefix of the check's diagnostic codes (e.g. `policy`, `kro`) */
  readonly id: string;
  /**
   * How a worker thread builds the same check, so large inputs can be validated on several cores.
   * A run whose checks do not all have one stays on one thread. A check with `finish` only ever sees
   * the files that hold a resource it applies to: those are validated on the main thread.
   */
  readonly source?: CheckSource;
  /** whether this check looks at the resource at all; default: every resource */
  appliesTo?(resource: ManifestResource, context: CheckContext): boolean;
  check(resource: ManifestResource, context: CheckContext): readonly Diagnostic[] | Promise<readonly Diagnostic[]>;
  /**
   * Checks that need the whole file set (Argo CD sync-wave order) return a fresh instance per run
   * from `forRun`, keep small per-resource facts in it, and report cross-resource findings from
   * `finish` once every file has been read. Results from `finish` are streamed like any other.
   */
  forRun?(): ResourceCheck;
  finish?(): readonly ValidationResult[] | Promise<readonly ValidationResult[]>;
}

/** A check named in a worker entry module (see serveValidationWorker), with the options to build it. */
export interface CheckSource {
  /** file URL of the module a worker thread runs: it builds checks from their names */
  readonly workerEntry: string;
  readonly name: string;
  /** plain data (structured-cloneable) */
  readonly options?: unknown;
}

/** Runs the registered checks that apply, in order, and gathers their findings. */
export async function runChecks(
  checks: readonly ResourceCheck[],
  resource: ManifestResource,
  context: CheckContext,
): Promise<Diagnostic[]> {
  const disabled = [...(context.disabledRules ?? []), ...annotationDisabledRules(resource.object)];
  const diagnostics: Diagnostic[] = [];
  for (const check of checks) {
    if (check.appliesTo && !check.appliesTo(resource, context)) continue;
    for (const diagnostic of await check.check(resource, context)) {
      if (disabled.length === 0 || !ruleDisabled(diagnostic.code, disabled)) diagnostics.push(diagnostic);
    }
  }
  return diagnostics;
}

/**
 * The checks `validateManifests` runs when given none: none, so the library's default verdict is
 * kubeconform's (schemas only) and the conformance suites compare like with like.
 */
export const DEFAULT_CHECKS: readonly ResourceCheck[] = [];

