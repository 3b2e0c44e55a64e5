import { objectSites, podSpecs } from './pod-templates.js';
import { POLICY_RULES, type PolicyRule } from './rules.js';
import type { Diagnostic } from '../report/diagnostic.js';
import type { ResourceCheck } from '../validate/checks.js';
import { annotationDisabledRules, ruleDisabled } from '../validate/disable-rules.js';
import type { ManifestResource } from '../validate/types.js';

/** The id `--no-policy` drops. */
export const POLICY_CHECK_ID = 'policy';

/**
 * The GPU-workload policy as a validation stage: every rule on the resource and, in an RGD, on each
 * resource template (a template's own `ray-gitops.io/disable-rules` annotation switches rules off for
 * that template only). Pod rules run on every pod spec, KubeRay head and worker groups included.
 */
export function policyCheck(rules: readonly PolicyRule[] = POLICY_RULES): ResourceCheck {
  return {
    id: POLICY_CHECK_ID,
    check: (resource) => policyDiagnostics(resource, rules),
  };
}

function policyDiagnostics(resource: ManifestResource, rules: readonly PolicyRule[] = POLICY_RULES): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const site of objectSites(resource.object)) {
    const disabled = site.templated ? annotationDisabledRules(site.object) : [];
    const pods = podSpecs(site.kind, site.object, site.path);
    for (const rule of rules) {
      if (disabled.length > 0 && ruleDisabled(rule.id, disabled)) continue;
      // every rule on every resource: no intermediate arrays for the (usual) rule with nothing to say
      const add = (findings: ReturnType<NonNullable<PolicyRule['object']>>) => {
        for (const finding of findings) {
          diagnostics.push({
            severity: finding.severity ?? 'error',
            location: resource.locator.locate(finding.path, finding.target ?? 'value'),
            message: `${finding.message} [${rule.id}]`,
            code: rule.id,
          });
        }
      };
      if (rule.object) add(rule.object(site));
      if (rule.pod) for (const pod of pods) add(rule.pod(pod, site));
    }
  }
  return diagnostics;
}
