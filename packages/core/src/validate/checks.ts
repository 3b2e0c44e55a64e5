import { annotationDisabledRules, ruleDisabled } from './disable-rules.js';
import { kroCheck } from '../kro/rgd-check.js';
import { argocdCheck } from '../policy/argocd.js';
import { POLICY_CHECK_ID, policyCheck } from '../policy/check.js';
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
  /**
   * Checks that need the whole file set (Argo CD sync-wave order) return a fresh instance per run
   * from `forRun`, keep small per-resource facts in it, and report cross-resource findings from
   * `finish` once every file has been read. Results from `finish` are streamed like any other.
   */
  forRun?(): ResourceCheck;
  finish?(): readonly ValidationResult[] | Promise<readonly ValidationResult[]>;
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
    if (check.appliesTo && !check.appliesTo(resource)) continue;
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

/**
 * What `ray-gitops validate` and the validate-manifests action run on the gitops tree: the
 * GPU-workload policy (id `policy`, dropped by `--no-policy`), the offline kro RGD analysis (`kro`)
 * and Argo CD consistency (`argocd`).
 */
export const GITOPS_CHECKS: readonly ResourceCheck[] = [policyCheck(), kroCheck(), argocdCheck()];

/** The gitops checks, without the GPU-workload policy when `policy` is false (`--no-policy`). */
export function gitopsChecks(options: { readonly policy?: boolean } = {}): readonly ResourceCheck[] {
  return options.policy === false ? GITOPS_CHECKS.filter((check) => check.id !== POLICY_CHECK_ID) : GITOPS_CHECKS;
}
