import { DERIVED_NAMES, type DerivedNameRole } from '../catalog/derived-names.js';

/** The API the RGD serves: `ray-gitops.io/v1alpha1 LLMService` (its own kind, not ray.io's RayService). */
export const LLM_SERVICE = {
  group: 'ray-gitops.io',
  version: 'v1alpha1',
  kind: 'LLMService',
  apiVersion: 'ray-gitops.io/v1alpha1',
} as const;

/** metadata.name of the ResourceGraphDefinition. */
export const RGD_NAME = 'llm-service';

/** Labels and annotations ray-gitops puts on what it renders. */
export const LABELS = {
  partOf: 'app.kubernetes.io/part-of',
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  managedBy: 'app.kubernetes.io/managed-by',
  model: 'ray-gitops.io/model',
} as const;

export const ANNOTATIONS = {
  /** on each instance: the catalog source it was staged from (sourceIdentity) */
  source: 'ray-gitops.io/source',
  /** on the RGD: the image every RayService runs */
  image: 'ray-gitops.io/image',
  /** on the RGD: Ray version of that image (docker/versions.json) */
  rayVersion: 'ray-gitops.io/ray-version',
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
} as const;

export const PART_OF = 'ray-gitops';

/** Serve applications of every RayService; serve/ implements `generate` (the seed's POST /generate). */
export const SERVE_APPS = {
  llm: { name: 'llm', routePrefix: '/', importPath: 'ray.serve.llm:build_openai_app' },
  generate: { name: 'generate', routePrefix: '/generate', importPath: 'ray_gitops_serve.generate:build_app' },
} as const;

/** Ray Serve autoscaling targets per replica (as in KubeRay's Ray Serve LLM sample). */
export const SERVE_AUTOSCALING = { targetOngoingRequests: 64, maxOngoingRequests: 128 } as const;

/** Where mount-mode workers see the weights. */
export const WEIGHTS_MOUNT_PATH = '/mnt/models';

/**
 * A derived name with `{name}` replaced by `model` — a literal model name, a CEL expression such as
 * `${schema.spec.name}`, or an Argo CD template such as `{{.path.basename}}`.
 */
export function derivedName(role: DerivedNameRole, model: string): string {
  const derived = DERIVED_NAMES.find((candidate) => candidate.role === role);
  if (!derived) throw new Error(`no derived name for role ${role}`);
  return derived.template.replace('{name}', model);
}
