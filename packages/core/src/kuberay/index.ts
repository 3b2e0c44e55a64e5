// kuberay: what KubeRay v1.7.0's operator refuses at reconcile time although the CRD schema accepts
// it (ray-operator/controllers/ray/utils/validation.go), as `kuberay/<rule>` findings.
export { kuberayCheck } from './check.js';
export { KUBERAY_FEATURE_GATE_DEFAULTS, parseFeatureGates, type KubeRayFeatureGates } from './feature-gates.js';
export { kuberayFindings, KUBERAY_KINDS } from './objects.js';
export { KUBERAY_RULES } from './rules.js';
export type { KubeRayFinding } from './finding.js';
