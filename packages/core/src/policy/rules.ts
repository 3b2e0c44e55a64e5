import { asArray, asRecord, isExpression, type ObjectSite, type PodSpecSite } from './pod-templates.js';
import type { FieldPath } from '../validate/types.js';

/** One policy finding before it is located: the field it is about and how to fix it. */
interface PolicyFinding {
  readonly path: FieldPath;
  readonly message: string;
  readonly target?: 'key' | 'value';
  readonly severity?: 'error' | 'warning';
}

/** A GPU-workload policy rule: a stable id (`policy/<name>`), what it checks, and the check itself. */
export interface PolicyRule {
  readonly id: string;
  readonly description: string;
  /** rules about pods run on every pod spec (KubeRay groups and RGD templates included) */
  readonly pod?: (pod: PodSpecSite, site: ObjectSite) => PolicyFinding[];
  /** rules about an object as a whole (its kind decides) */
  readonly object?: (site: ObjectSite) => PolicyFinding[];
}

const GPU = 'nvidia.com/gpu';
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

interface ContainerSite {
  readonly path: FieldPath;
  readonly container: Record<string, unknown>;
}

/** per pod spec: every pod rule asks for the containers, and there are many resources */
const containersOfPod = new WeakMap<PodSpecSite, ContainerSite[]>();

function containers(pod: PodSpecSite): ContainerSite[] {
  let found = containersOfPod.get(pod);
  if (!found) containersOfPod.set(pod, (found = findContainers(pod)));
  return found;
}

function findContainers(pod: PodSpecSite): ContainerSite[] {
  const found: ContainerSite[] = [];
  for (const list of CONTAINER_LISTS) {
    asArray(pod.spec[list]).forEach((item, index) => {
      const container = asRecord(item);
      if (container) found.push({ path: [...pod.path, list, index], container });
    });
  }
  return found;
}

function name(container: Record<string, unknown>): string {
  return typeof container.name === 'string' ? `container '${container.name}'` : 'a container';
}

const imageDigest: PolicyRule = {
  id: 'policy/image-digest',
  description: 'every container image is pinned by digest (image@sha256:…), never a moving tag such as :latest',
  pod: (pod) =>
    containers(pod).flatMap(({ path, container }) => {
      const image = container.image;
      if (typeof image !== 'string' || isExpression(image)) return [];
      if (/@sha256:[0-9a-f]{64}$/.test(image)) return [];
      const lastSegment = image.slice(image.lastIndexOf('/') + 1);
      const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
      const what = tag === undefined ? 'has no tag or digest (it means :latest)' : tag === 'latest' ? 'uses the moving tag :latest' : `uses the tag :${tag}, which can be moved`;
      return [{ path: [...path, 'image'], message: `${name(container)}: image ${image} ${what}; pin it by digest (${image.replace(/:[^/:]*$/, '')}@sha256:<digest>), e.g. the build-image action's output` }];
    }),
};

/** Whether a pod asks for GPU nodes without (or before) asking for GPUs. */
function wantsGpu(pod: PodSpecSite): boolean {
  const tolerations = asArray(pod.spec.tolerations).some((t) => asRecord(t)?.key === GPU);
  const selector = Object.keys(asRecord(pod.spec.nodeSelector) ?? {}).some((key) => /gpu/i.test(key));
  const params = asRecord(pod.rayGroup?.group.rayStartParams);
  const numGpus = params?.['num-gpus'];
  const rayGpus = numGpus !== undefined && !isExpression(numGpus) && Number(numGpus) > 0;
  return tolerations || selector || rayGpus;
}

const gpuLimits: PolicyRule = {
  id: 'policy/gpu-limits',
  description: `GPU containers set ${GPU} in resources.limits, equal to requests when requests has it`,
  pod: (pod) => {
    const findings: PolicyFinding[] = [];
    let anyLimit = false;
    for (const { path, container } of containers(pod)) {
      const resources = asRecord(container.resources);
      const limits = asRecord(resources?.limits);
      const requests = asRecord(resources?.requests);
      const limit = limits?.[GPU];
      const request = requests?.[GPU];
      if (limit !== undefined) anyLimit = true;
      if (request !== undefined && limit === undefined) {
        findings.push({ path: [...path, 'resources', 'requests', GPU], target: 'key', message: `${name(container)} requests ${GPU} but sets no limit; add resources.limits["${GPU}"]: ${String(request)} (GPUs are only granted through limits)` });
      } else if (request !== undefined && limit !== undefined && !isExpression(request) && !isExpression(limit)
        && String(request) !== String(limit)) {
        findings.push({ path: [...path, 'resources', 'limits', GPU], message: `${name(container)}: ${GPU} limit ${String(limit)} differs from request ${String(request)}; set them equal (GPUs cannot be overcommitted)` });
      } else if (request !== undefined && limit !== undefined && isExpression(request) !== isExpression(limit)) {
        findings.push({ path: [...path, 'resources', 'limits', GPU], message: `${name(container)}: ${GPU} limit ${String(limit)} and request ${String(request)} must be the same value` });
      }
    }
    if (!anyLimit && findings.length === 0 && wantsGpu(pod)) {
      const first = containers(pod).find((c) => c.path.at(-2) === 'containers');
      findings.push({
        path: first ? [...first.path, 'resources'] : pod.path,
        target: 'key',
        message: `the pod is scheduled for GPUs (toleration, nodeSelector or num-gpus) but no container sets resources.limits["${GPU}"]; add the GPU count per replica to the serving container's limits`,
      });
    }
    return findings;
  },
};

const MODEL_MOUNT = /(^|[/_-])(models?|weights?|s3|hf|huggingface)([/_-]|$)/i;
const S3_DRIVERS = new Set(['s3.csi.aws.com']);

const modelVolumeReadOnly: PolicyRule = {
  id: 'policy/model-volume-read-only',
  description: 'volumes that hold model weights (Mountpoint for S3, model/weights mounts) are mounted readOnly',
  pod: (pod) => {
    const modelVolumes = new Set<string>();
    for (const item of asArray(pod.spec.volumes)) {
      const volume = asRecord(item);
      if (!volume || typeof volume.name !== 'string') continue;
      const driver = asRecord(volume.csi)?.driver;
      if ((typeof driver === 'string' && S3_DRIVERS.has(driver)) || MODEL_MOUNT.test(volume.name) || volume.persistentVolumeClaim !== undefined && MODEL_MOUNT.test(String(asRecord(volume.persistentVolumeClaim)?.claimName ?? ''))) {
        modelVolumes.add(volume.name);
      }
    }
    const findings: PolicyFinding[] = [];
    for (const { path, container } of containers(pod)) {
      asArray(container.volumeMounts).forEach((item, index) => {
        const mount = asRecord(item);
        if (!mount) return;
        const isModel = (typeof mount.name === 'string' && modelVolumes.has(mount.name)) || (typeof mount.mountPath === 'string' && MODEL_MOUNT.test(mount.mountPath));
        if (isModel && mount.readOnly !== true && !isExpression(mount.readOnly)) {
          findings.push({ path: [...path, 'volumeMounts', index], message: `${name(container)} mounts model weights ${String(mount.name)} at ${String(mount.mountPath)} writable; add readOnly: true (serving never writes weights)` });
        }
      });
    }
    return findings;
  },
};

const privileged: PolicyRule = {
  id: 'policy/privileged',
  description: 'no privileged containers (the GPU device plugin grants GPUs; privileged is never needed to serve)',
  pod: (pod) =>
    containers(pod).flatMap(({ path, container }) =>
      asRecord(container.securityContext)?.privileged === true
        ? [{ path: [...path, 'securityContext', 'privileged'], message: `${name(container)} runs privileged; remove securityContext.privileged (GPUs come from resources.limits["${GPU}"])` }]
        : [],
    ),
};

const hostPath: PolicyRule = {
  id: 'policy/host-path',
  description: 'no hostPath volumes (read weights from S3 or a PVC instead of the node disk)',
  pod: (pod) =>
    asArray(pod.spec.volumes).flatMap((item, index) => {
      const volume = asRecord(item);
      if (!volume?.hostPath) return [];
      return [{ path: [...pod.path, 'volumes', index, 'hostPath'], target: 'key' as const, message: `volume ${String(volume.name)} mounts the node path ${String(asRecord(volume.hostPath)?.path)}; use an emptyDir, a PVC or the Mountpoint for S3 CSI driver instead of hostPath` }];
    }),
};

/** Known credential shapes, and env names that say "secret". */
const SECRET_VALUES: readonly [RegExp, string][] = [
  [/\bhf_[A-Za-z0-9]{30,}\b/, 'a Hugging Face token'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bsk-[A-Za-z0-9_-]{20,}\b/, 'an API key'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];
const SECRET_NAMES = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)$/i;

const secretLiteral: PolicyRule = {
  id: 'policy/secret-literal',
  description: 'no secret-looking literals in env (HF tokens, AWS keys, *_TOKEN/*_SECRET values): use valueFrom.secretKeyRef',
  pod: (pod) =>
    containers(pod).flatMap(({ path, container }) =>
      asArray(container.env).flatMap((item, index) => {
        const env = asRecord(item);
        const value = env?.value;
        if (typeof value !== 'string' || value === '' || isExpression(value)) return [];
        const envName = String(env?.name ?? '');
        const shape = SECRET_VALUES.find(([pattern]) => pattern.test(value))?.[1] ?? (SECRET_NAMES.test(envName) ? `a literal value for ${envName}` : undefined);
        if (!shape) return [];
        return [{ path: [...path, 'env', index, 'value'], message: `${name(container)}: env ${envName} holds ${shape} in plain text; move it to a Secret and use valueFrom.secretKeyRef (and rotate it if it was committed)` }];
      }),
    ),
};

/** Whether a pod (or the object it belongs to) reads from S3: a literal s3:// URI or the S3 CSI driver. */
function readsS3(pod: PodSpecSite, site: ObjectSite): boolean {
  if (someString(pod.spec, (text) => !isExpression(text) && (/(^|[\s"'=])s3:\/\/[a-z0-9]/.test(text) || S3_DRIVERS.has(text)))) return true;
  const serve = asRecord(site.object.spec)?.serveConfigV2;
  return typeof serve === 'string' && !isExpression(serve) && /s3:\/\/[a-z0-9]/.test(serve);
}

function someString(value: unknown, test: (text: string) => boolean): boolean {
  if (typeof value === 'string') return test(value);
  if (Array.isArray(value)) return value.some((item) => someString(item, test));
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => someString(item, test));
  return false;
}

const serviceAccount: PolicyRule = {
  id: 'policy/service-account',
  description: 'pods that read S3 set serviceAccountName (IRSA / Pod Identity), never the default account',
  pod: (pod, site) => {
    const account = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
    if ((account !== undefined && account !== 'default') || !readsS3(pod, site)) return [];
    return [{ path: pod.path, target: 'key', message: 'this pod reads from S3 but runs as the default service account; set serviceAccountName to one bound to an IAM role that can read the model bucket' }];
  },
};

const rayStartParamsStrings: PolicyRule = {
  id: 'policy/ray-start-params-string',
  description: 'KubeRay rayStartParams values are strings (the operator rejects numbers and booleans)',
  pod: (pod) => {
    const group = pod.rayGroup;
    const params = asRecord(group?.group.rayStartParams);
    if (!group || !params) return [];
    return Object.entries(params)
      .filter(([, value]) => typeof value !== 'string')
      .map(([key, value]) => ({
        path: [...group.path, 'rayStartParams', key],
        message: `rayStartParams.${key} is ${typeof value} ${JSON.stringify(value)}; quote it ("${String(value)}"): KubeRay only accepts string values`,
      }));
  },
};

const RAY_KINDS = new Set(['RayService', 'RayCluster', 'RayJob']);

function clusterPath(site: ObjectSite): { path: (string | number)[]; cluster: Record<string, unknown> | undefined } {
  const spec = asRecord(site.object.spec);
  if (site.kind === 'RayService') return { path: [...site.path, 'spec', 'rayClusterConfig'], cluster: asRecord(spec?.rayClusterConfig) };
  if (site.kind === 'RayJob') return { path: [...site.path, 'spec', 'rayClusterSpec'], cluster: asRecord(spec?.rayClusterSpec) };
  return { path: [...site.path, 'spec'], cluster: spec };
}

const kuberayReplicas: PolicyRule = {
  id: 'policy/kuberay-replicas',
  // minReplicas > maxReplicas, long names and headService names are the operator's own rules (kuberay/)
  description: 'worker group replicas lie within [minReplicas, maxReplicas] (KubeRay clamps them silently)',
  object: (site) => {
    if (!RAY_KINDS.has(site.kind)) return [];
    const { path, cluster } = clusterPath(site);
    return asArray(cluster?.workerGroupSpecs).flatMap((item, index) => {
      const group = asRecord(item);
      const min = group?.minReplicas;
      const max = group?.maxReplicas;
      const replicas = group?.replicas;
      const groupPath = [...path, 'workerGroupSpecs', index];
      const label = `worker group ${String(group?.groupName ?? index)}`;
      if (typeof min === 'number' && typeof max === 'number' && min > max) return [];
      if (typeof replicas === 'number' && ((typeof min === 'number' && replicas < min) || (typeof max === 'number' && replicas > max))) {
        return [{ path: [...groupPath, 'replicas'], severity: 'warning' as const, message: `${label}: replicas ${replicas} is outside [${String(min)}, ${String(max)}]; KubeRay clamps it, set it within the bounds` }];
      }
      return [];
    });
  },
};

/** Every GPU-workload rule, in the order findings are reported. */
export const POLICY_RULES: readonly PolicyRule[] = [
  imageDigest,
  gpuLimits,
  modelVolumeReadOnly,
  privileged,
  hostPath,
  secretLiteral,
  serviceAccount,
  rayStartParamsStrings,
  kuberayReplicas,
];
