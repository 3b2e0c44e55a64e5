import { LABELS, PART_OF, WEIGHTS_MOUNT_PATH } from './api.js';
import { expectedRoleEnv, MODEL_ACCESS_CHECK_COMMAND, type ExpectedRole } from './init-check.js';
import { CEL, expr, serveConfigTemplate } from './serve-config.js';

interface RayServiceTemplateOptions {
  /** repository@sha256:… */
  readonly image: string;
  readonly rayVersion: string;
  /** kro resource ids this template refers to */
  readonly ids: { readonly serviceAccount: string };
  /** the role the workers' init check expects sts:GetCallerIdentity to name */
  readonly expectedRole?: ExpectedRole;
  /** the GatewayClass of KubeRay's own Gateway for incremental upgrades; absent: incremental is not offered */
  readonly incrementalGatewayClass?: string;
  /** vLLM engine metrics in Ray's metrics (default true) */
  readonly engineMetrics?: boolean;
}

/** The GPU toleration every EKS GPU node pool (and the NVIDIA device plugin's taint) expects. */
const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' } as const;

/** Resources of the CPU-only head: it runs the GCS, the dashboard and the Serve controller, no replicas. */
export const HEAD_RESOURCES = { requests: { 'cpu': '2', 'memory': '8Gi', 'ephemeral-storage': '10Gi' }, limits: { memory: '8Gi' } } as const;

/** Ray's metrics export port on every node (Ray's default), which the PodMonitor scrapes. */
export const RAY_METRICS_PORT = 8080;

/** The Serve HTTP port; KubeRay puts the head container's port named `serve` on `<rayservice>-serve-svc`. */
export const SERVE_PORT = 8000;

/**
 * Incremental upgrade steps (KubeRay ClusterUpgradeOptions): traffic moves 25% at a time, once a
 * minute, and the new cluster is at most 25% of the target capacity ahead of what it serves.
 */
export const INCREMENTAL_UPGRADE = { stepSizePercent: 25, intervalSeconds: 60, maxSurgePercent: 25 } as const;

/** Per GPU, the size limit of the memory-backed /dev/shm (NCCL and vLLM's tensor-parallel workers). */
export const SHM_GIB_PER_GPU = 2;

/** Scratch space of each GPU worker: compile caches and logs (the weights stream from S3 or a mount). */
export const WORKER_EPHEMERAL_STORAGE = '20Gi';

/** How long a stopping Ray pod has: Serve moves its replicas, in-flight requests finish, Ray stops. */
export const WORKER_TERMINATION_GRACE_SECONDS = 120;

function labels(component: string): Record<string, string> {
  return {
    [LABELS.name]: expr(CEL.name),
    [LABELS.component]: component,
    [LABELS.partOf]: PART_OF,
    [LABELS.model]: expr(CEL.name),
  };
}

/** Environment every Ray container gets: offline Hub (weights come from S3), the bucket's region, no token. */
function rayEnv(): Record<string, unknown>[] {
  return [
    { name: 'HF_HUB_OFFLINE', value: '1' },
    { name: 'AWS_REGION', value: expr('schema.spec.region') },
    { name: 'AWS_DEFAULT_REGION', value: expr('schema.spec.region') },
  ];
}

/**
 * `preStop` of every Ray container: stop Ray on the node and give it time, so the Serve controller
 * sees the node leave and moves its replicas before Kubernetes kills the pod.
 */
const RAY_PRE_STOP = { exec: { command: ['/bin/sh', '-c', `ray stop --grace-period ${WORKER_TERMINATION_GRACE_SECONDS - 30}`] } } as const;

/** CEL for KubeRay's upgradeStrategy.type of the instance's `upgrade`. */
export const UPGRADE_TYPE_CEL = 'schema.spec.upgrade == "incremental" ? "NewClusterWithIncrementalUpgrade" : schema.spec.upgrade == "none" ? "None" : "NewCluster"';

/** A JSON value as a CEL literal (JSON objects, lists, strings, numbers and booleans are CEL too). */
function celLiteral(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * The worker volumes: the size-limited memory /dev/shm, plus the weights claim in mount mode, as one
 * CEL list (a template cannot leave a list item out). The claim's name is the model name.
 */
function workerVolumesCel(): string {
  const shm = `{"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": string(schema.spec.gpuCount * ${SHM_GIB_PER_GPU}) + "Gi"}}`;
  const weights = `{"name": "weights", "persistentVolumeClaim": {"claimName": ${CEL.name}, "readOnly": true}}`;
  return `${CEL.isMount} ? [${shm}, ${weights}] : [${shm}]`;
}

function workerVolumeMountsCel(): string {
  const shm = celLiteral({ name: 'dshm', mountPath: '/dev/shm' });
  const weights = celLiteral({ name: 'weights', mountPath: WEIGHTS_MOUNT_PATH, readOnly: true });
  return `${CEL.isMount} ? [${shm}, ${weights}] : [${shm}]`;
}

/**
 * The `ray.io/v1` RayService kro creates for an instance, as a kro template, for both storage modes.
 * Avoids the known traps: no `headService.metadata.name`, none of the deprecated
 * `*UnhealthySecondThreshold` fields, every string template returns a string, and the name is the
 * model name (at most 47 characters).
 */
export function rayServiceTemplate(options: RayServiceTemplateOptions): Record<string, unknown> {
  const { image, rayVersion, ids } = options;
  const serviceAccountName = expr(`${ids.serviceAccount}.metadata.name`);
  return {
    apiVersion: 'ray.io/v1',
    kind: 'RayService',
    metadata: {
      name: expr(CEL.name),
      namespace: expr(CEL.namespace),
      labels: labels('llm-service'),
      annotations: {
        'ray-gitops.io/model-source': expr(CEL.source),
        'ray-gitops.io/model-commit': expr('schema.spec.model.commit'),
      },
    },
    spec: {
      upgradeStrategy: {
        type: expr(UPGRADE_TYPE_CEL),
        // read by KubeRay only for NewClusterWithIncrementalUpgrade (validation.go ValidateClusterUpgradeOptions)
        ...(options.incrementalGatewayClass
          ? { clusterUpgradeOptions: { gatewayClassName: options.incrementalGatewayClass, ...INCREMENTAL_UPGRADE } }
          : {}),
      },
      serveConfigV2: serveConfigTemplate({ engineMetrics: options.engineMetrics ?? true }),
      rayClusterConfig: {
        rayVersion,
        enableInTreeAutoscaling: true,
        autoscalerOptions: { upscalingMode: 'Default', idleTimeoutSeconds: 300 },
        headGroupSpec: {
          rayStartParams: { 'num-cpus': '0', 'dashboard-host': '0.0.0.0' },
          template: {
            metadata: { labels: labels('ray-head') },
            spec: {
              // every pod of the RayService has the model's one identity
              serviceAccountName,
              terminationGracePeriodSeconds: WORKER_TERMINATION_GRACE_SECONDS,
              containers: [
                {
                  name: 'ray-head',
                  image,
                  env: rayEnv(),
                  ports: [
                    { containerPort: 6379, name: 'gcs-server' },
                    { containerPort: 8265, name: 'dashboard' },
                    { containerPort: 10001, name: 'client' },
                    { containerPort: SERVE_PORT, name: 'serve' },
                    { containerPort: RAY_METRICS_PORT, name: 'metrics' },
                  ],
                  resources: HEAD_RESOURCES,
                  lifecycle: { preStop: RAY_PRE_STOP },
                },
              ],
            },
          },
        },
        workerGroupSpecs: [
          {
            groupName: 'gpu',
            replicas: expr('schema.spec.minReplicas'),
            minReplicas: expr('schema.spec.minReplicas'),
            maxReplicas: expr('schema.spec.maxReplicas'),
            numOfHosts: 1,
            rayStartParams: {},
            template: {
              metadata: { labels: labels('ray-gpu-worker') },
              spec: {
                serviceAccountName,
                nodeSelector: expr('schema.spec.nodeSelector'),
                tolerations: [GPU_TOLERATION],
                terminationGracePeriodSeconds: WORKER_TERMINATION_GRACE_SECONDS,
                initContainers: [
                  {
                    name: 'check-model-access',
                    image,
                    command: [...MODEL_ACCESS_CHECK_COMMAND],
                    env: [
                      { name: 'MODEL_SOURCE', value: expr(CEL.source) },
                      { name: 'MODEL_MANIFEST', value: expr('schema.spec.model.manifest') },
                      { name: 'AWS_REGION', value: expr('schema.spec.region') },
                      ...expectedRoleEnv(options.expectedRole),
                      { name: 'SERVICE_ACCOUNT', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
                      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                    ],
                    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
                  },
                ],
                containers: [
                  {
                    name: 'ray-worker',
                    image,
                    env: rayEnv(),
                    ports: [{ containerPort: RAY_METRICS_PORT, name: 'metrics' }],
                    resources: {
                      requests: {
                        'cpu': expr('schema.spec.worker.cpu'),
                        'memory': expr('schema.spec.worker.memory'),
                        'nvidia.com/gpu': expr('schema.spec.gpuCount'),
                        'ephemeral-storage': WORKER_EPHEMERAL_STORAGE,
                      },
                      limits: { 'memory': expr('schema.spec.worker.memory'), 'nvidia.com/gpu': expr('schema.spec.gpuCount') },
                    },
                    lifecycle: { preStop: RAY_PRE_STOP },
                    volumeMounts: expr(workerVolumeMountsCel()),
                  },
                ],
                // NCCL and vLLM's tensor-parallel workers share memory through /dev/shm; it counts against the memory limit
                volumes: expr(workerVolumesCel()),
              },
            },
          },
        ],
      },
    },
  };
}
