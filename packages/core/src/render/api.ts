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
  /** on the RGD: the stager image the in-cluster staging Jobs run (absent until one is known) */
  stagerImage: 'ray-gitops.io/stager-image',
  /** on the RGD: Ray version of that image (docker/versions.json) */
  rayVersion: 'ray-gitops.io/ray-version',
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
} as const;

export const PART_OF = 'ray-gitops';

/**
 * The one Serve application of every RayService: serve/'s `ray_gitops_serve.app:build_app`, whose `args`
 * are serve/config.schema.json. It builds one Ray Serve LLM engine (LLMServer) and one ingress serving
 * both the OpenAI routes (`/v1/…`) and the seed's `POST /generate` on that engine.
 */
export const SERVE_APP = { name: 'llm', routePrefix: '/', importPath: 'ray_gitops_serve.app:build_app' } as const;

/** `args.generate` of the Serve application: the seed's route and its request defaults (serve/README.md). */
export const GENERATE_DEFAULTS = { route: '/generate', defaultMaxTokens: 256, defaultTemperature: 0.7, defaultTopP: 0.9 } as const;

/**
 * Ray's accelerator type name (`accelerator_type`, serve/config.schema.json's enum) for each GPU type of
 * the catalog's table. Ray labels nodes with these names itself; it labels both A100 sizes `A100`.
 */
export const RAY_ACCELERATOR_TYPES: Readonly<Record<string, string>> = {
  'T4': 'T4',
  'A10G': 'A10G',
  'L4': 'L4',
  'L40S': 'L40S',
  'A100': 'A100',
  'A100-80GB': 'A100',
  'H100': 'H100',
  'H200': 'H200',
  'B200': 'B200',
};

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
