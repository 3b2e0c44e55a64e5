// gitops-checks: the set of checks `ray-gitops validate` and the validate-manifests action run on the
// gitops tree. It sits above validate/ (which defines what a check is) and the folders that implement
// checks (policy/, kro/), so none of them imports the other upwards.
import { kroCheck } from '../kro/rgd-check.js';
import { argocdCheck } from '../policy/argocd.js';
import { POLICY_CHECK_ID, policyCheck } from '../policy/check.js';
import type { ResourceCheck } from '../validate/checks.js';

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
