// KubeRay v1.7.0 ValidateRayClusterSpec (ray-operator/controllers/ray/utils/validation.go): what the
// operator refuses in a RayCluster spec at reconcile time, also for RayService.rayClusterConfig and
// RayJob.rayClusterSpec. The operator stops at its first error; this reports every one it can find.
import type { KubeRayContext, KubeRayFinding } from './finding.js';
import {
  asArray,
  asRecord,
  dns1123LabelProblems,
  envEntries,
  findEnv,
  flag,
  isExpression,
  labelValueProblems,
  nonEmpty,
  num,
  parseGenericVersion,
  present,
  qualifiedNameProblems,
  str,
  versionLessThan,
} from './values.js';
import type { FieldPath } from '../validate/types.js';

const RAY_ENABLE_AUTOSCALER_V2 = 'RAY_enable_autoscaler_v2';
const RAY_REDIS_ADDRESS = 'RAY_REDIS_ADDRESS';
const REDIS_PASSWORD = 'REDIS_PASSWORD';
const REDIS_USERNAME = 'REDIS_USERNAME';
const FT_ANNOTATION = 'ray.io/ft-enabled';
const EXTERNAL_STORAGE_NS_ANNOTATION = 'ray.io/external-storage-namespace';
const GEN_AUTOSCALER_START_CMD = 'KUBERAY_GEN_AUTOSCALER_START_CMD';
const COLLECTOR_CONTAINER = 'ray-history-collector';
const GCS_STORAGE_VOLUME = 'gcs-storage';
const GCS_STORAGE_MOUNT = '/data/gcs';
const GCS_STORAGE_ENVS = ['RAY_gcs_storage', 'RAY_gcs_storage_path'];
const TLS_ENVS = ['RAY_USE_TLS', 'RAY_TLS_SERVER_CERT', 'RAY_TLS_SERVER_KEY', 'RAY_TLS_CA_CERT'];
const TLS_VOLUME = 'ray-tls';
const TLS_MOUNT = '/etc/ray/tls';
const RAY_START_RESOURCE_PARAMS = ['num-cpus', 'num-gpus', 'memory', 'resources'];
const COLLECTOR_MANAGED_ENVS = ['POD_IP', 'FQ_RAY_IP', 'RAY_CLUSTER_NAME', 'RAY_CLUSTER_NAMESPACE', 'RAY_ROLE', 'OWNER_KIND', 'OWNER_NAME', 'EVENTS_PORT'];

interface Group {
  readonly path: FieldPath;
  readonly group: Record<string, unknown>;
  readonly name: string;
  readonly head: boolean;
  readonly pod: Record<string, unknown> | undefined;
  readonly containers: unknown[];
}

/** Everything ValidateRayClusterSpec checks, for the cluster spec at `path`. */
export function clusterSpecFindings(
  spec: Record<string, unknown>,
  path: FieldPath,
  annotations: Record<string, unknown>,
  context: KubeRayContext,
): KubeRayFinding[] {
  const findings: KubeRayFinding[] = [];
  const add = (rule: string, at: FieldPath, message: string, target?: 'key') => findings.push({ rule, path: at, message, ...(target ? { target } : {}) });
  const head = asRecord(spec.headGroupSpec) ?? {};
  const headPath = [...path, 'headGroupSpec'];
  const headPod = asRecord(asRecord(head.template)?.spec);
  const headGroup: Group = { path: headPath, group: head, name: 'Head', head: true, pod: headPod, containers: asArray(headPod?.containers) };
  const workers: Group[] = asArray(spec.workerGroupSpecs).flatMap((item, index) => {
    const group = asRecord(item);
    if (!group) return [];
    const pod = asRecord(asRecord(group.template)?.spec);
    return [{ path: [...path, 'workerGroupSpecs', index], group, name: String(group.groupName ?? index), head: false, pod, containers: asArray(pod?.containers) }];
  });
  const headContainer = asRecord(headGroup.containers[0]);
  const headContainerPath = [...headPath, 'template', 'spec', 'containers', 0];
  const headEnv = headContainer?.env;
  const autoscalingFlag = flag(spec.enableInTreeAutoscaling);
  const autoscaling = autoscalingFlag === true;
  const autoscalingKnown = autoscalingFlag !== 'unknown';
  const autoscalerOptions = asRecord(spec.autoscalerOptions);
  const autoscalerPath = [...path, 'autoscalerOptions'];
  const autoscalerV2 = str(autoscalerOptions?.version) === 'v2';
  const v2Env = findEnv(headEnv, RAY_ENABLE_AUTOSCALER_V2);
  const v2ByEnv = v2Env !== undefined && (v2Env.value === '1' || v2Env.value === 'true');

  if (headGroup.containers.length === 0 && !isExpression(headPod?.containers)) {
    add('kuberay/head-containers', [...headPath, 'template', 'spec', 'containers'], 'headGroupSpec should have at least one container; add the Ray head container', 'key');
  }
  groupResources(headGroup, add);
  groupLabels(headGroup, add);

  for (const worker of workers) {
    if (worker.containers.length === 0 && !isExpression(worker.pod?.containers)) {
      add('kuberay/worker-containers', [...worker.path, 'template', 'spec', 'containers'], `worker group ${worker.name}: workerGroupSpec should have at least one container`, 'key');
    }
    // "must set both minReplicas and maxReplicas without the autoscaler" cannot fire on an object the
    // API server admitted: the CRD defaults them to 0 and 2147483647 before the operator sees it
    const minValue = num(worker.group.minReplicas);
    const maxValue = num(worker.group.maxReplicas);
    if (minValue !== undefined && minValue < 0) add('kuberay/worker-replicas-negative', [...worker.path, 'minReplicas'], `worker group ${worker.name} has negative minReplicas ${minValue}`);
    if (maxValue !== undefined && maxValue < 0) add('kuberay/worker-replicas-negative', [...worker.path, 'maxReplicas'], `worker group ${worker.name} has negative maxReplicas ${maxValue}`);
    if (minValue !== undefined && maxValue !== undefined && minValue > maxValue) {
      add('kuberay/worker-min-above-max', [...worker.path, 'minReplicas'], `worker group ${worker.name} has minReplicas ${minValue} greater than maxReplicas ${maxValue}; make minReplicas ≤ maxReplicas`);
    }
    groupResources(worker, add);
    groupLabels(worker, add);

    const idle = num(worker.group.idleTimeoutSeconds);
    if (idle !== undefined && idle < 0) {
      add('kuberay/worker-idle-timeout', [...worker.path, 'idleTimeoutSeconds'], `worker group ${worker.name}: idleTimeoutSeconds must be non-negative, got ${idle}`);
    } else if (idle !== undefined && !autoscalerV2 && !v2ByEnv) {
      add('kuberay/worker-idle-timeout', [...worker.path, 'idleTimeoutSeconds'], `worker group ${worker.name}: idleTimeoutSeconds is set, but autoscaler v2 is not enabled; set autoscalerOptions.version: v2`);
    }

    const priority = num(worker.group.priority);
    if (priority !== undefined && priority !== 0) {
      const rayVersion = spec.rayVersion;
      const parsed = str(rayVersion) !== undefined ? parseGenericVersion(rayVersion as string) : undefined;
      const at = [...worker.path, 'priority'];
      if (isExpression(rayVersion)) {
        // decided when kro fills rayVersion in
      } else if (typeof rayVersion !== 'string' || rayVersion === '') {
        add('kuberay/worker-priority', at, `worker group ${worker.name}: priority is set, but rayVersion is not; Ray 2.56.0 or later is required`);
      } else if (!parsed) {
        add('kuberay/worker-priority', at, `worker group ${worker.name}: priority is set, but rayVersion ${rayVersion} is not a version`);
      } else if (versionLessThan(parsed, [2, 56, 0])) {
        add('kuberay/worker-priority', at, `worker group ${worker.name}: priority is set, but the minimum Ray version is 2.56.0, got ${rayVersion}`);
      } else if (!autoscalerV2 && !v2ByEnv) {
        add('kuberay/worker-priority', at, `worker group ${worker.name}: priority is set to ${priority}, but autoscaler v2 is not enabled; priority only works with autoscalerOptions.version: v2`);
      }
    }
  }

  // GCS fault tolerance
  const ftAnnotation = annotations[FT_ANNOTATION];
  const ftOptions = asRecord(spec.gcsFaultToleranceOptions);
  const ftPath = [...path, 'gcsFaultToleranceOptions'];
  if (typeof ftAnnotation === 'string' && ftAnnotation !== '' && ftOptions) {
    add('kuberay/gcs-ft-annotation', ftPath, `the ${FT_ANNOTATION} annotation and gcsFaultToleranceOptions are both set; remove the annotation and configure GCS fault tolerance with gcsFaultToleranceOptions only`, 'key');
  }
  const ftEnabled = (typeof ftAnnotation === 'string' && ftAnnotation.toLowerCase() === 'true') || ftOptions !== undefined;
  const redisAddressEnv = findEnv(headEnv, RAY_REDIS_ADDRESS);
  if (!ftEnabled && redisAddressEnv) {
    add('kuberay/gcs-ft-redis-env', [...headContainerPath, 'env', redisAddressEnv.index], `${RAY_REDIS_ADDRESS} is set, which implicitly enables GCS fault tolerance, but gcsFaultToleranceOptions is not; set gcsFaultToleranceOptions.redisAddress instead`);
  }
  const headParams = asRecord(head.rayStartParams) ?? {};
  if (ftOptions) {
    if (typeof headParams['redis-password'] === 'string' && headParams['redis-password'] !== '') {
      add('kuberay/gcs-ft-redis-env', [...headPath, 'rayStartParams', 'redis-password'], 'cannot set redis-password in rayStartParams when gcsFaultToleranceOptions is set; use gcsFaultToleranceOptions.redisPassword', 'key');
    }
    const passwordEnv = findEnv(headEnv, REDIS_PASSWORD);
    if (passwordEnv) add('kuberay/gcs-ft-redis-env', [...headContainerPath, 'env', passwordEnv.index], `cannot set the ${REDIS_PASSWORD} env var in the head Pod when gcsFaultToleranceOptions is set; use gcsFaultToleranceOptions.redisPassword`);
    if (redisAddressEnv) add('kuberay/gcs-ft-redis-env', [...headContainerPath, 'env', redisAddressEnv.index], `cannot set the ${RAY_REDIS_ADDRESS} env var in the head Pod when gcsFaultToleranceOptions is set; use gcsFaultToleranceOptions.redisAddress`);
    const externalNs = annotations[EXTERNAL_STORAGE_NS_ANNOTATION];
    if (typeof externalNs === 'string' && externalNs !== '') {
      add('kuberay/gcs-ft-annotation', ftPath, `cannot set the ${EXTERNAL_STORAGE_NS_ANNOTATION} annotation when gcsFaultToleranceOptions is set; use gcsFaultToleranceOptions.externalStorageNamespace`, 'key');
    }
    gcsBackend(ftOptions, ftPath, headContainer, headContainerPath, headPod, [...headPath, 'template', 'spec'], context, add);
  }
  const usernameEnv = findEnv(headEnv, REDIS_USERNAME);
  if ((typeof headParams['redis-username'] === 'string' && headParams['redis-username'] !== '') || usernameEnv) {
    add('kuberay/redis-username', usernameEnv ? [...headContainerPath, 'env', usernameEnv.index] : [...headPath, 'rayStartParams', 'redis-username'], 'cannot set a redis username in rayStartParams or env vars; use gcsFaultToleranceOptions.redisUsername', usernameEnv ? undefined : 'key');
  }

  // suspended worker groups
  for (const worker of workers) {
    if (worker.group.suspend !== true) continue;
    if (!context.gates.RayJobDeletionPolicy) {
      add('kuberay/worker-suspend', [...worker.path, 'suspend'], `worker group ${worker.name} can be suspended only when the RayJobDeletionPolicy feature gate is enabled`);
    } else if (autoscaling) {
      add('kuberay/worker-suspend', [...worker.path, 'suspend'], `worker group ${worker.name} cannot be suspended with the autoscaler enabled`);
    }
  }

  // autoscaler
  if (autoscalingKnown && !autoscaling && v2ByEnv) {
    add('kuberay/autoscaler-v2-env', [...headContainerPath, 'env', v2Env.index, 'value'], `${RAY_ENABLE_AUTOSCALER_V2} cannot be '${String(v2Env.value)}' when enableInTreeAutoscaling is false; set enableInTreeAutoscaling: true to use autoscaler v2`);
  }
  if (autoscaling) {
    if (present(autoscalerOptions?.version) && v2Env) {
      add('kuberay/autoscaler-v2-env', [...headContainerPath, 'env', v2Env.index], `both autoscalerOptions.version and the head Pod env var ${RAY_ENABLE_AUTOSCALER_V2} are set; keep only autoscalerOptions.version`);
    }
    if (autoscalerV2) {
      for (const group of [headGroup, ...workers]) {
        const policy = str(group.pod?.restartPolicy);
        if (policy !== undefined && policy !== '' && policy !== 'Never') {
          add('kuberay/autoscaler-v2-restart-policy', [...group.path, 'template', 'spec', 'restartPolicy'], `restartPolicy for ${group.head ? 'the head Pod' : `worker group ${group.name}`} must be Never or unset with autoscaler v2, got ${policy}`);
        }
      }
    }
  }
  const autoscalerIdle = num(autoscalerOptions?.idleTimeoutSeconds);
  if (autoscalerIdle !== undefined && autoscalerIdle < 0) {
    add('kuberay/autoscaler-idle-timeout', [...autoscalerPath, 'idleTimeoutSeconds'], `autoscalerOptions.idleTimeoutSeconds must be non-negative, got ${autoscalerIdle}`);
  }
  const startCmd = findEnv(autoscalerOptions?.env, GEN_AUTOSCALER_START_CMD);
  if (startCmd) {
    add('kuberay/autoscaler-start-cmd-env', [...autoscalerPath, 'env', startCmd.index], `autoscalerOptions.env must not contain ${GEN_AUTOSCALER_START_CMD}: KubeRay manages it and injects it into the autoscaler container`);
  }

  historyServer(spec, path, headGroup, workers, context, add);
  auth(spec, path, add);
  networkPolicy(spec, path, workers, context, add);
  tls(spec, path, headGroup, workers, autoscalerOptions, context, add);
  return findings;
}

type Add = (rule: string, at: FieldPath, message: string, target?: 'key') => void;

function groupResources(group: Group, add: Add): void {
  const params = asRecord(group.group.rayStartParams) ?? {};
  const set = RAY_START_RESOURCE_PARAMS.filter((key) => params[key] !== undefined && params[key] !== '');
  if (set.length > 0 && nonEmpty(group.group.resources)) {
    add('kuberay/group-resources-conflict', [...group.path, 'resources'], `resource fields are set in both rayStartParams (${set.join(', ')}) and resources for the ${group.name} group; use only one`, 'key');
  }
}

function groupLabels(group: Group, add: Add): void {
  const params = asRecord(group.group.rayStartParams) ?? {};
  if ('labels' in params) {
    add('kuberay/group-labels', [...group.path, 'rayStartParams', 'labels'], `rayStartParams['labels'] is not supported for the ${group.name} group; use the group's top-level labels field`, 'key');
  }
  for (const [key, value] of Object.entries(asRecord(group.group.labels) ?? {})) {
    for (const problem of qualifiedNameProblems(key)) {
      add('kuberay/group-labels', [...group.path, 'labels', key], `invalid label key for the ${group.name} group: '${key}': ${problem}`, 'key');
    }
    if (typeof value !== 'string' || isExpression(value)) continue;
    for (const problem of labelValueProblems(value)) {
      add('kuberay/group-labels', [...group.path, 'labels', key], `invalid label value for key '${key}' in the ${group.name} group: '${value}': ${problem}`);
    }
  }
}

function gcsBackend(
  options: Record<string, unknown>,
  path: FieldPath,
  headContainer: Record<string, unknown> | undefined,
  headContainerPath: FieldPath,
  headPod: Record<string, unknown> | undefined,
  headPodPath: FieldPath,
  context: KubeRayContext,
  add: Add,
): void {
  const backend = str(options.backend);
  if (backend === undefined && isExpression(options.backend)) return;
  if (backend !== 'rocksdb') {
    if (present(options.storage)) add('kuberay/gcs-ft-backend', [...path, 'storage'], "cannot set gcsFaultToleranceOptions.storage when the backend is 'redis': it only applies to the 'rocksdb' backend", 'key');
    return;
  }
  const rule = 'kuberay/gcs-ft-backend';
  if (!context.gates.GCSFaultToleranceEmbeddedStorage) {
    add(rule, [...path, 'backend'], 'the embedded RocksDB GCS fault tolerance backend (backend: rocksdb) requires the GCSFaultToleranceEmbeddedStorage feature gate to be enabled');
  }
  if (typeof options.redisAddress === 'string' && options.redisAddress !== '') add(rule, [...path, 'redisAddress'], "cannot set gcsFaultToleranceOptions.redisAddress when the backend is 'rocksdb'", 'key');
  if (present(options.redisUsername)) add(rule, [...path, 'redisUsername'], "cannot set gcsFaultToleranceOptions.redisUsername when the backend is 'rocksdb'", 'key');
  if (present(options.redisPassword)) add(rule, [...path, 'redisPassword'], "cannot set gcsFaultToleranceOptions.redisPassword when the backend is 'rocksdb'", 'key');
  if (typeof options.externalStorageNamespace === 'string' && options.externalStorageNamespace !== '') add(rule, [...path, 'externalStorageNamespace'], "cannot set gcsFaultToleranceOptions.externalStorageNamespace when the backend is 'rocksdb'", 'key');
  const storage = asRecord(options.storage);
  if (storage && typeof storage.claimName === 'string' && storage.claimName !== '' && (present(storage.size) || present(storage.storageClassName) || nonEmpty(storage.accessModes))) {
    add(rule, [...path, 'storage', 'claimName'], 'gcsFaultToleranceOptions.storage.claimName is mutually exclusive with size, storageClassName and accessModes');
  }
  for (const entry of envEntries(headContainer?.env)) {
    if (GCS_STORAGE_ENVS.includes(entry.name)) add(rule, [...headContainerPath, 'env', entry.index], `cannot set ${entry.name} in the head Pod with the embedded GCS backend: KubeRay manages it`);
  }
  asArray(headContainer?.volumeMounts).forEach((item, index) => {
    const mount = asRecord(item);
    if (mount && (mount.mountPath === GCS_STORAGE_MOUNT || mount.name === GCS_STORAGE_VOLUME)) {
      add(rule, [...headContainerPath, 'volumeMounts', index], `cannot mount a volume named ${GCS_STORAGE_VOLUME} or at ${GCS_STORAGE_MOUNT} in the head container with the embedded GCS backend: KubeRay manages it`);
    }
  });
  asArray(headPod?.volumes).forEach((item, index) => {
    if (asRecord(item)?.name === GCS_STORAGE_VOLUME) add(rule, [...headPodPath, 'volumes', index], `cannot define a volume named ${GCS_STORAGE_VOLUME} in the head Pod with the embedded GCS backend: KubeRay manages it`);
  });
}

function historyServer(
  spec: Record<string, unknown>,
  path: FieldPath,
  head: Group,
  workers: readonly Group[],
  context: KubeRayContext,
  add: Add,
): void {
  const options = asRecord(spec.historyServerOptions);
  if (!options) return;
  const rule = 'kuberay/history-server';
  const at = [...path, 'historyServerOptions'];
  if (!context.gates.RayClusterHistoryServer) {
    add(rule, at, 'historyServerOptions requires the RayClusterHistoryServer feature gate to be enabled', 'key');
    return;
  }
  const collector = asRecord(options.collectorOptions);
  if (!collector) {
    add(rule, at, 'historyServerOptions.collectorOptions must be set', 'key');
    return;
  }
  const collectorPath = [...at, 'collectorOptions'];
  const problem = collectorProblem(collector);
  if (problem) add(rule, collectorPath, problem, 'key');
  for (const group of [head, ...workers]) {
    group.containers.forEach((item, index) => {
      if (asRecord(item)?.name === COLLECTOR_CONTAINER) {
        add(rule, [...group.path, 'template', 'spec', 'containers', index, 'name'], `${group.head ? 'the head pod template' : `worker group ${group.name}'s pod template`} must not define a container named ${COLLECTOR_CONTAINER} when history server collector options are set`);
      }
    });
  }
}

function collectorProblem(collector: Record<string, unknown>): string | undefined {
  if (typeof collector.image !== 'string' || collector.image === '') return 'historyServerOptions.collectorOptions.image must be set';
  const env = new Map(envEntries(collector.env).map((entry) => [entry.name, entry]));
  const hasValue = (name: string) => {
    const entry = env.get(name);
    return entry !== undefined && ((typeof entry.value === 'string' && entry.value !== '') || present(entry.valueFrom));
  };
  for (const name of COLLECTOR_MANAGED_ENVS) {
    if (env.has(name)) return `historyServerOptions.collectorOptions.env must not contain ${name}: KubeRay injects it into the collector container`;
  }
  const backend = env.get('STORAGE_BACKEND')?.value;
  if (typeof backend !== 'string' || backend === '') return 'STORAGE_BACKEND must be set with a literal value in historyServerOptions.collectorOptions.env';
  switch (backend.toUpperCase()) {
    case 'GCS':
      return hasValue('GCS_BUCKET') ? undefined : 'GCS_BUCKET must be set when STORAGE_BACKEND is GCS';
    case 'S3':
      return hasValue('S3_REGION') ? undefined : 'S3_REGION must be set when STORAGE_BACKEND is S3';
    case 'AZUREBLOB': {
      const mode = env.get('AZURE_STORAGE_AUTH_MODE')?.value;
      const authMode = typeof mode === 'string' ? mode.trim().toLowerCase() : '';
      if (authMode === 'connection_string') return hasValue('AZURE_STORAGE_CONNECTION_STRING') ? undefined : 'AZURE_STORAGE_CONNECTION_STRING must be set when STORAGE_BACKEND is AZUREBLOB and AZURE_STORAGE_AUTH_MODE is connection_string';
      if (authMode === 'workload_identity' || authMode === 'default') return hasValue('AZURE_STORAGE_ACCOUNT_URL') ? undefined : `AZURE_STORAGE_ACCOUNT_URL must be set when STORAGE_BACKEND is AZUREBLOB and AZURE_STORAGE_AUTH_MODE is ${authMode}`;
      return hasValue('AZURE_STORAGE_CONNECTION_STRING') || hasValue('AZURE_STORAGE_ACCOUNT_URL') ? undefined : 'either AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL must be set when STORAGE_BACKEND is AZUREBLOB';
    }
    case 'ALIYUNOSS':
      for (const name of ['OSS_BUCKET', 'OSS_ENDPOINT', 'OSS_REGION']) {
        if (!hasValue(name)) return `${name} must be set when STORAGE_BACKEND is ALIYUNOSS`;
      }
      return undefined;
    default:
      return undefined;
  }
}

function auth(spec: Record<string, unknown>, path: FieldPath, add: Add): void {
  const options = asRecord(spec.authOptions);
  if (!options) return;
  const at = [...path, 'authOptions'];
  const k8sAuth = options.enableK8sTokenAuth === true;
  if (options.mode === 'token') {
    const rayVersion = spec.rayVersion;
    if (isExpression(rayVersion)) return;
    if (typeof rayVersion !== 'string' || rayVersion === '') {
      add('kuberay/auth-ray-version', [...at, 'mode'], "authOptions.mode is 'token' but rayVersion is not set; Ray 2.52.0 or later is required");
      return;
    }
    const parsed = parseGenericVersion(rayVersion);
    if (!parsed) {
      add('kuberay/auth-ray-version', [...path, 'rayVersion'], `authOptions.mode is 'token' but rayVersion ${rayVersion} is not a version`);
      return;
    }
    if (versionLessThan(parsed, [2, 52, 0])) {
      add('kuberay/auth-ray-version', [...path, 'rayVersion'], `authOptions.mode is 'token' but the minimum Ray version is 2.52.0, got ${rayVersion}`);
      return;
    }
    if (k8sAuth && versionLessThan(parsed, [2, 55, 0])) {
      add('kuberay/auth-ray-version', [...path, 'rayVersion'], `authOptions.enableK8sTokenAuth needs Ray 2.55.0 or later, got ${rayVersion}`);
    } else if (k8sAuth && typeof options.secretName === 'string' && options.secretName !== '') {
      add('kuberay/auth-k8s-token', [...at, 'secretName'], 'authOptions.enableK8sTokenAuth is enabled and authOptions.secretName is also set; use one', 'key');
    }
  } else if (k8sAuth && !isExpression(options.mode)) {
    add('kuberay/auth-k8s-token', [...at, 'enableK8sTokenAuth'], "authOptions.enableK8sTokenAuth is enabled but authOptions.mode is not 'token'");
  }
}

function networkPolicy(spec: Record<string, unknown>, path: FieldPath, workers: readonly Group[], context: KubeRayContext, add: Add): void {
  const policy = asRecord(spec.networkPolicy);
  if (!policy) return;
  const rule = 'kuberay/network-policy';
  const at = [...path, 'networkPolicy'];
  if (!context.gates.RayClusterNetworkPolicy) {
    add(rule, at, 'spec.networkPolicy requires the RayClusterNetworkPolicy feature gate to be enabled', 'key');
    return;
  }
  const mode = str(policy.mode) ?? 'DenyAll';
  const checkRules = (rules: Record<string, unknown> | undefined, rulesPath: FieldPath, label: string) => {
    if (!rules) return;
    if (mode === 'DenyAllEgress' && nonEmpty(rules.ingressRules)) add(rule, [...rulesPath, 'ingressRules'], `networkPolicy.${label}.ingressRules cannot be set when mode is "${mode}" (ingress is not restricted)`, 'key');
    if (mode === 'DenyAllIngress' && nonEmpty(rules.egressRules)) add(rule, [...rulesPath, 'egressRules'], `networkPolicy.${label}.egressRules cannot be set when mode is "${mode}" (egress is not restricted)`, 'key');
  };
  checkRules(asRecord(policy.head), [...at, 'head'], 'head');
  checkRules(asRecord(policy.worker), [...at, 'worker'], 'worker');
  const names = new Set<string>();
  for (const worker of workers) {
    const name = worker.group.groupName;
    if (typeof name !== 'string' || isExpression(name)) continue;
    const problems = dns1123LabelProblems(name);
    if (problems.length > 0) add(rule, [...worker.path, 'groupName'], `worker group name "${name}" must be a valid DNS-1123 label when networkPolicy is set (it is part of the NetworkPolicy name): ${problems.join('; ')}`);
    names.add(name);
  }
  asArray(policy.workerGroups).forEach((item, index) => {
    const group = asRecord(item);
    if (!group) return;
    const label = `workerGroups["${String(group.groupName)}"]`;
    checkRules(group, [...at, 'workerGroups', index], label);
    if (typeof group.groupName === 'string' && !isExpression(group.groupName) && !names.has(group.groupName)) {
      add(rule, [...at, 'workerGroups', index, 'groupName'], `networkPolicy.${label} does not match any groupName in workerGroupSpecs`);
    }
  });
}

function tls(
  spec: Record<string, unknown>,
  path: FieldPath,
  head: Group,
  workers: readonly Group[],
  autoscalerOptions: Record<string, unknown> | undefined,
  context: KubeRayContext,
  add: Add,
): void {
  const options = asRecord(spec.tlsOptions);
  if (!options) return;
  const rule = 'kuberay/tls-options';
  if (!context.gates.RayClusterMTLS) {
    add(rule, [...path, 'tlsOptions'], 'spec.tlsOptions requires the RayClusterMTLS feature gate to be enabled', 'key');
    return;
  }
  if (options.enabled !== true) return;
  for (const group of [head, ...workers]) {
    const container = asRecord(group.containers[0]);
    if (!container) continue;
    const containerPath = [...group.path, 'template', 'spec', 'containers', 0];
    const where = group.head ? 'the head Pod' : `worker group "${group.name}"`;
    for (const entry of envEntries(container.env)) {
      if (TLS_ENVS.includes(entry.name)) add(rule, [...containerPath, 'env', entry.index], `cannot set ${entry.name} in ${where} when tlsOptions is set: the operator manages TLS configuration`);
    }
    mounts(container.volumeMounts, [...containerPath, 'volumeMounts'], where, add);
  }
  if (autoscalerOptions) {
    for (const entry of envEntries(autoscalerOptions.env)) {
      if (TLS_ENVS.includes(entry.name)) add(rule, [...path, 'autoscalerOptions', 'env', entry.index], `cannot set ${entry.name} in autoscalerOptions.env when tlsOptions is set: the operator manages TLS for the autoscaler`);
    }
    mounts(autoscalerOptions.volumeMounts, [...path, 'autoscalerOptions', 'volumeMounts'], 'autoscalerOptions.volumeMounts', add);
  }
}

function mounts(list: unknown, path: FieldPath, where: string, add: Add): void {
  asArray(list).forEach((item, index) => {
    const mount = asRecord(item);
    if (mount?.name === TLS_VOLUME) add('kuberay/tls-options', [...path, index, 'name'], `cannot use a volume mount named ${TLS_VOLUME} in ${where} when tlsOptions is set: the operator manages TLS`);
    else if (mount?.mountPath === TLS_MOUNT) add('kuberay/tls-options', [...path, index, 'mountPath'], `cannot mount at ${TLS_MOUNT} in ${where} when tlsOptions is set: the operator manages TLS`);
  });
}
