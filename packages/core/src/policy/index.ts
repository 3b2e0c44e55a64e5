// policy: the GPU-inference workload rules (`policy/<rule>`), run by `ray-gitops validate` on every
// pod template, KubeRay groups and kro RGD templates included.
export { policyCheck } from './check.js';
export { POLICY_RULES, type PolicyRule } from './rules.js';
export { objectSites, podSpecs, type ObjectSite, type PodSpecSite } from './pod-templates.js';
export { argocdCheck } from './argocd.js';
