/**
 * Every Kubernetes name the renderer derives from a model name, in one place, so the catalog's length
 * check and the renderer cannot disagree. Add a row here before rendering a new name from the model name.
 */

export type DerivedNameRole = 'rayService' | 'kroInstance' | 'serviceAccount' | 'argoApplication';

export interface DerivedName {
  readonly role: DerivedNameRole;
  /** what carries the name, as messages say it: `RayService` */
  readonly object: string;
  /** the name, with `{name}` standing for the model name */
  readonly template: string;
  readonly maxLength: number;
  /** why `maxLength` holds, finishing the sentence "…because the RayService is named '<name>' and …" */
  readonly reason: string;
}

export const DERIVED_NAMES: readonly DerivedName[] = [
  {
    role: 'rayService',
    object: 'RayService',
    template: '{name}',
    maxLength: 47,
    // KubeRay's MaxRayServiceNameLength: 63 minus "-serve-svc" minus the 6-character RayCluster suffix.
    reason: 'KubeRay rejects RayService names longer than 47 characters',
  },
  {
    role: 'kroInstance',
    object: 'kro instance',
    template: '{name}',
    maxLength: 63,
    reason: 'kro copies the instance name into a label value, which is at most 63 characters',
  },
  {
    role: 'serviceAccount',
    object: 'ServiceAccount',
    template: '{name}-model-reader',
    maxLength: 63,
    reason: 'the renderer also uses it as a label value, which is at most 63 characters',
  },
  {
    role: 'argoApplication',
    object: 'Argo CD Application',
    template: 'model-{name}',
    maxLength: 63,
    reason: 'Argo CD writes the Application name into the app.kubernetes.io/instance label, which is at most 63 characters',
  },
];

const PLACEHOLDER = '{name}';

/** The longest model name every derived name still fits, and the derived name that sets it. */
export interface ModelNameLimit {
  readonly limit: number;
  readonly binding: DerivedName;
}

export function computeModelNameLimit(derived: readonly DerivedName[] = DERIVED_NAMES): ModelNameLimit {
  let best: ModelNameLimit | undefined;
  for (const name of derived) {
    const limit = name.maxLength - (name.template.length - PLACEHOLDER.length);
    if (best === undefined || limit < best.limit) best = { limit, binding: name };
  }
  if (best === undefined) throw new Error('DERIVED_NAMES is empty');
  return best;
}

export const MODEL_NAME_LIMIT: ModelNameLimit = computeModelNameLimit();

/** The concrete Kubernetes names for one model, by role. */
export function deriveNames(modelName: string): Record<DerivedNameRole, string> {
  const names = {} as Record<DerivedNameRole, string>;
  for (const derived of DERIVED_NAMES) names[derived.role] = derived.template.replace(PLACEHOLDER, modelName);
  return names;
}

/** `the RayService is named '<name>' and KubeRay rejects …`, for the catalog's name-length message. */
export function describeLimit(binding: DerivedName): string {
  return `the ${binding.object} is named '${binding.template.replace(PLACEHOLDER, '<name>')}' and ${binding.reason}`;
}
