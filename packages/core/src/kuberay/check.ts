import { KUBERAY_FEATURE_GATE_DEFAULTS, type KubeRayFeatureGates } from './feature-gates.js';
import { kuberayFindings, KUBERAY_KINDS } from './objects.js';
import { objectSites } from '../policy/pod-templates.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { ResourceCheck } from '../validate/checks.js';
import { annotationDisabledRules, ruleDisabled } from '../validate/disable-rules.js';
import type { ManifestResource } from '../validate/types.js';

/** The id of KubeRay's operator rules; its codes are `kuberay/<rule>`. */
export const KUBERAY_CHECK_ID = 'kuberay';

interface KubeRayCheckOptions {
  /** the operator's feature gates (default: KubeRay v1.7.0's defaults) */
  readonly featureGates?: KubeRayFeatureGates;
}

/**
 * KubeRay's reconcile-time validation as a validation stage: on RayCluster, RayService and RayJob
 * resources, and on such templates inside an RGD (fields kro fills in later are not judged).
 */
export function kuberayCheck(options: KubeRayCheckOptions = {}): ResourceCheck {
  const context = { gates: options.featureGates ?? KUBERAY_FEATURE_GATE_DEFAULTS };
  return {
    id: KUBERAY_CHECK_ID,
    appliesTo: (resource) => KUBERAY_KINDS.has(resource.signature.kind) || resource.signature.kind === 'ResourceGraphDefinition',
    check: (resource) => kuberayDiagnostics(resource, context),
  };
}

function kuberayDiagnostics(resource: ManifestResource, context: { gates: KubeRayFeatureGates }): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const site of objectSites(resource.object)) {
    const disabled = site.templated ? annotationDisabledRules(site.object) : [];
    for (const finding of kuberayFindings(site.kind, site.object, site.path, context)) {
      if (disabled.length > 0 && ruleDisabled(finding.rule, disabled)) continue;
      diagnostics.push({
        severity: 'error',
        location: resource.locator.locate(finding.path, finding.target ?? 'value'),
        message: `${finding.message} [${finding.rule}]`,
        code: finding.rule,
      });
    }
  }
  return diagnostics;
}
