import type { KubeRayFeatureGates } from './feature-gates.js';
import type { FieldPath } from '../validate/types.js';

/** One operator rule broken: the rule id (`kuberay/<name>`), the field, and what to do. */
export interface KubeRayFinding {
  readonly rule: string;
  readonly path: FieldPath;
  readonly message: string;
  /** point at the key (a field that must not be set) rather than its value */
  readonly target?: 'key' | 'value';
}

export interface KubeRayContext {
  readonly gates: KubeRayFeatureGates;
}
