// KubeRay v1.7.0's feature gates (ray-operator/pkg/features): some rules only hold, or only apply,
// with a gate on or off. The defaults are the operator's; `--kuberay-feature-gates` states a cluster's.
import { UsageError } from '../errors/errors.js';

export const KUBERAY_FEATURE_GATE_DEFAULTS = {
  RayClusterStatusConditions: true,
  RayJobDeletionPolicy: true,
  RayMultiHostIndexing: true,
  RayServiceIncrementalUpgrade: true,
  RayCronJob: false,
  SidecarSubmitterRestart: false,
  RayClusterNetworkPolicy: false,
  GCSFaultToleranceEmbeddedStorage: false,
  RayClusterMTLS: false,
  RayClusterHistoryServer: false,
  KubernetesWAS: false,
} as const;

type KubeRayFeatureGate = keyof typeof KUBERAY_FEATURE_GATE_DEFAULTS;
export type KubeRayFeatureGates = Readonly<Record<KubeRayFeatureGate, boolean>>;

/** The operator's `--feature-gates` syntax: `Name=true,Other=false`; unnamed gates keep their defaults. */
export function parseFeatureGates(text: string | undefined): KubeRayFeatureGates {
  const gates: Record<string, boolean> = { ...KUBERAY_FEATURE_GATE_DEFAULTS };
  for (const item of (text ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const match = /^([A-Za-z0-9]+)=(true|false)$/.exec(item);
    if (!match || !(match[1]! in KUBERAY_FEATURE_GATE_DEFAULTS)) {
      throw new UsageError(`--kuberay-feature-gates: '${item}' is not Gate=true|false with a KubeRay v1.7.0 gate (${Object.keys(KUBERAY_FEATURE_GATE_DEFAULTS).join(', ')})`);
    }
    gates[match[1]!] = match[2] === 'true';
  }
  return gates as KubeRayFeatureGates;
}
