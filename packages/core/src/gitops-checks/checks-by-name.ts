// The gitops checks by name, each with the plain-data options it is built from: what lets a worker
// thread build the same check set as the main thread (functions cannot cross a thread boundary).
import { kroBreakingChangeCheck } from '../kro-checks/breaking-check.js';
import { kroCheck } from '../kro-checks/rgd-check.js';
import { kuberayCheck } from '../kuberay/check.js';
import type { KubeRayFeatureGates } from '../kuberay/feature-gates.js';
import { argocdCheck } from '../policy/argocd.js';
import { policyCheck } from '../policy/check.js';
import type { CheckSource, ResourceCheck } from '../validate/checks.js';
import { workerEntryBeside } from '../validate/parallel.js';

interface KubeRayOptions {
  readonly featureGates?: KubeRayFeatureGates;
}

const FACTORIES = {
  'policy': () => policyCheck(),
  'kuberay': (options?: KubeRayOptions) => kuberayCheck(options ?? {}),
  'kro': () => kroCheck(),
  'kro-breaking-change': () => kroBreakingChangeCheck(),
  'argocd': () => argocdCheck(),
} as const satisfies Record<string, (options?: never) => ResourceCheck>;

type CheckName = keyof typeof FACTORIES;

/**
 * The worker thread's entry, beside this module: validate-worker.js when compiled, .ts when run from
 * the TypeScript sources (tests), and dist/validate-worker.js beside an action's bundle.
 */
const WORKER_ENTRY = workerEntryBeside(import.meta.url, 'validate-worker');

/** The check `name` built with `options`, carrying the source a worker thread builds it again from. */
export function namedCheck(name: 'kuberay', options?: KubeRayOptions): ResourceCheck;
export function namedCheck(name: Exclude<CheckName, 'kuberay'>): ResourceCheck;
export function namedCheck(name: CheckName, options?: KubeRayOptions): ResourceCheck {
  const source: CheckSource = { workerEntry: WORKER_ENTRY, name, ...(options !== undefined ? { options } : {}) };
  return { ...FACTORIES[name](options), source };
}

/** A check again from its source, in a worker thread. */
export function checkFromSource(source: CheckSource): ResourceCheck {
  if (!(source.name in FACTORIES)) throw new Error(`no gitops check named '${source.name}'`);
  return FACTORIES[source.name as CheckName](source.options as KubeRayOptions | undefined);
}
