// gitops-checks: the set of checks `ray-gitops validate` and the validate-manifests action run on the
// gitops tree. It sits above validate/ (which defines what a check is) and the folders that implement
// checks (policy/, kro/), so none of them imports the other upwards.
import { namedCheck } from './checks-by-name.js';
import { KUBERAY_CHECK_ID } from '../kuberay/check.js';
import type { KubeRayFeatureGates } from '../kuberay/feature-gates.js';
import { POLICY_CHECK_ID } from '../policy/check.js';
import type { ResourceCheck } from '../validate/checks.js';

/**
 * What `ray-gitops validate` and the validate-manifests action run on the gitops tree: the
 * GPU-workload policy (id `policy`, dropped by `--no-policy`), KubeRay's operator rules
 * (`kuberay`), the offline kro RGD analysis and, with `--previous`, breaking RGD schema changes (`kro`),
 * and Argo CD consistency (`argocd`).
 */
export const GITOPS_CHECKS: readonly ResourceCheck[] = [
  namedCheck('policy'),
  namedCheck('kuberay'),
  namedCheck('kro'),
  namedCheck('kro-breaking-change'),
  namedCheck('argocd'),
];

interface GitopsCheckOptions {
  /** false drops the GPU-workload policy (`--no-policy`) */
  readonly policy?: boolean;
  /** the KubeRay operator's feature gates (`--kuberay-feature-gates`); default: v1.7.0's defaults */
  readonly kuberayFeatureGates?: KubeRayFeatureGates;
}

/** The gitops checks, without the GPU-workload policy when `policy` is false (`--no-policy`). */
export function gitopsChecks(options: GitopsCheckOptions = {}): readonly ResourceCheck[] {
  let checks = GITOPS_CHECKS;
  if (options.kuberayFeatureGates) {
    const gates = options.kuberayFeatureGates;
    checks = checks.map((check) => (check.id === KUBERAY_CHECK_ID ? namedCheck('kuberay', { featureGates: gates }) : check));
  }
  return options.policy === false ? checks.filter((check) => check.id !== POLICY_CHECK_ID) : checks;
}
export { nonManifestPatterns } from './non-manifests.js';
