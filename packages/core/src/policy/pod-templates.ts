import type { FieldPath } from '../validate/types.js';

/** A pod spec found inside a resource, with the field path that leads to it. */
export interface PodSpecSite {
  /** path of the pod spec (`spec.template.spec`, `spec.rayClusterConfig.headGroupSpec.template.spec`, …) */
  readonly path: FieldPath;
  readonly spec: Record<string, unknown>;
  /** the KubeRay group the pod belongs to, for Ray-aware rules */
  readonly rayGroup?: { readonly path: FieldPath; readonly group: Record<string, unknown>; readonly head: boolean };
}

/** An object of some kind found in a manifest: the resource itself or a template nested in an RGD. */
export interface ObjectSite {
  readonly path: FieldPath;
  readonly object: Record<string, unknown>;
  readonly kind: string;
  /** true inside a kro RGD template, where `${…}` values are resolved later */
  readonly templated: boolean;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'ReplicationController']);

/** The resource and, for an RGD, every `spec.resources[].template` (the objects kro will create). */
export function objectSites(object: Record<string, unknown>): ObjectSite[] {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const sites: ObjectSite[] = [{ path: [], object, kind, templated: false }];
  if (kind === 'ResourceGraphDefinition') {
    const resources = asRecord(object.spec)?.resources;
    if (Array.isArray(resources)) {
      resources.forEach((resource, index) => {
        const template = asRecord(asRecord(resource)?.template);
        if (!template) return;
        sites.push({ path: ['spec', 'resources', index, 'template'], object: template, kind: typeof template.kind === 'string' ? template.kind : '', templated: true });
      });
    }
  }
  return sites;
}

/** Every pod spec of an object of the given kind, KubeRay head and worker groups included. */
export function podSpecs(kind: string, object: Record<string, unknown>, base: FieldPath = []): PodSpecSite[] {
  const spec = asRecord(object.spec);
  const found: PodSpecSite[] = [];
  const podAt = (path: FieldPath, value: unknown, rayGroup?: PodSpecSite['rayGroup']) => {
    const pod = asRecord(value);
    if (pod) found.push({ path: [...base, ...path], spec: pod, ...(rayGroup ? { rayGroup } : {}) });
  };
  const rayCluster = (clusterPath: FieldPath, cluster: Record<string, unknown> | undefined) => {
    if (!cluster) return;
    const head = asRecord(cluster.headGroupSpec);
    if (head) {
      const headPath = [...clusterPath, 'headGroupSpec'];
      podAt([...headPath, 'template', 'spec'], asRecord(head.template)?.spec, { path: [...base, ...headPath], group: head, head: true });
    }
    const workers = cluster.workerGroupSpecs;
    if (Array.isArray(workers)) {
      workers.forEach((worker, index) => {
        const group = asRecord(worker);
        if (!group) return;
        const groupPath = [...clusterPath, 'workerGroupSpecs', index];
        podAt([...groupPath, 'template', 'spec'], asRecord(group.template)?.spec, { path: [...base, ...groupPath], group, head: false });
      });
    }
  };
  if (kind === 'Pod') podAt(['spec'], spec);
  else if (kind === 'PodTemplate') podAt(['template', 'spec'], asRecord(object.template)?.spec);
  else if (WORKLOAD_KINDS.has(kind)) podAt(['spec', 'template', 'spec'], asRecord(spec?.template)?.spec);
  else if (kind === 'CronJob') podAt(['spec', 'jobTemplate', 'spec', 'template', 'spec'], asRecord(asRecord(asRecord(spec?.jobTemplate)?.spec)?.template)?.spec);
  else if (kind === 'RayCluster') rayCluster(['spec'], spec);
  else if (kind === 'RayService') rayCluster(['spec', 'rayClusterConfig'], asRecord(spec?.rayClusterConfig));
  else if (kind === 'RayJob') rayCluster(['spec', 'rayClusterSpec'], asRecord(spec?.rayClusterSpec));
  return found;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string that kro fills in later (`${…}`): its value cannot be judged offline. */
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}
