import { join } from 'node:path';
import { gitopsChecks } from '../gitops-checks/index.js';
import { nonManifestPatterns } from '../gitops-checks/non-manifests.js';
import type { Diagnostic } from '../report/diagnostic.js';
import { validateManifests } from '../validate/pipeline.js';

/** How a rendered tree is validated before it is committed: the pipeline's validate-manifests step. */
export interface RenderedTreeValidationOptions {
  /** the upstream CRDs (KubeRay, kro, Argo CD): files or directories; <out>/platform is always added */
  readonly crds: readonly string[];
  /** reject unknown fields and duplicate keys; default true, as the pipeline runs it */
  readonly strict?: boolean;
  /** skip kinds that have no schema instead of failing them; default false */
  readonly ignoreMissingSchemas?: boolean;
}

interface RenderedTreeValidation {
  readonly ok: boolean;
  readonly resources: number;
  /** every error and warning, in the order found */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates the rendered tree in `outDir` exactly as the pipeline's validate step does: every manifest
 * against the upstream CRDs and the LLMService schema the RGD defines, strict, with the kro, Argo CD and
 * GPU-workload policy checks; the catalog and the render settings are left out (not Kubernetes objects).
 */
export async function validateRenderedTree(
  outDir: string,
  catalogDir: string,
  options: RenderedTreeValidationOptions,
): Promise<RenderedTreeValidation> {
  const diagnostics: Diagnostic[] = [];
  const summary = await validateManifests({
    paths: [outDir],
    crds: [...options.crds, join(outDir, 'platform')],
    strict: options.strict ?? true,
    ignoreMissingSchemas: options.ignoreMissingSchemas ?? false,
    checks: gitopsChecks({ policy: true }),
    ignoreFilenamePatterns: nonManifestPatterns(outDir, catalogDir),
    reporters: [
      {
        write: (result) => diagnostics.push(...result.diagnostics),
        flush: () => undefined,
      },
    ],
  });
  return { ok: summary.invalid + summary.errors === 0, resources: summary.resources, diagnostics };
}
