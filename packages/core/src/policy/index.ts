// policy: the GPU-inference workload rules (`policy/<rule>`), run by `ray-gitops validate` on every
// pod template, KubeRay groups and kro RGD templates included.
export { POLICY_CHECK_ID, policyCheck, policyDiagnostics } from './check.js';
export { POLICY_RULES, type PolicyFinding, type PolicyRule } from './rules.js';
export { objectSites, podSpecs, type ObjectSite, type PodSpecSite } from './pod-templates.js';
export { ARGOCD_CHECK_ID, argocdCheck, CATALOG_DIR, type SyncTier } from './argocd.js';
