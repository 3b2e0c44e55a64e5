import { LABELS, PART_OF, WEIGHTS_MOUNT_PATH } from './api.js';
import { MODEL_ACCESS_CHECK_SCRIPT } from './init-check.js';
import { CEL, expr, serveConfigTemplate, type StorageMode } from './serve-config.js';

export interface RayServiceTemplateOptions {
  readonly mode: StorageMode;
  /** repository@sha256:… */
  readonly image: string;
  readonly rayVersion: string;
  /** kro resource ids this template refers to */
  readonly ids: { readonly serviceAccount: string; readonly weightsClaim: string };
}

/** The GPU toleration every EKS GPU node pool (and the NVIDIA device plugin's taint) expects. */
export const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' } as const;

/** Resources of the CPU-only head: it runs the GCS, the dashboard and the Serve controller, no replicas. */
export const HEAD_RESOURCES = { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '8Gi' } } as const;

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
 * The `ray.io/v1` RayService kro creates for an instance, as a kro template. Avoids the known traps:
 * no `headService.metadata.name`, none of the deprecated `*UnhealthySecondThreshold` fields, every
 * string template returns a string, and the name is the model name (at most 47 characters).
 */
export function rayServiceTemplate(options: RayServiceTemplateOptions): Record<string, unknown> {
  const { mode, image, rayVersion, ids } = options;
  const weightsVolume = mode === 'mount' ? [{ name: 'weights', persistentVolumeClaim: { claimName: expr(`${ids.weightsClaim}.metadata.name`), readOnly: true } }] : [];
  const weightsMount = mode === 'mount' ? [{ name: 'weights', mountPath: WEIGHTS_MOUNT_PATH, readOnly: true }] : [];
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
      serveConfigV2: serveConfigTemplate(mode),
      rayClusterConfig: {
        rayVersion,
        enableInTreeAutoscaling: true,
        autoscalerOptions: { upscalingMode: 'Default', idleTimeoutSeconds: 300 },
        headGroupSpec: {
          rayStartParams: { 'num-cpus': '0', 'dashboard-host': '0.0.0.0' },
          template: {
            metadata: { labels: labels('ray-head') },
            spec: {
              containers: [
                {
                  name: 'ray-head',
                  image,
                  env: rayEnv(),
                  ports: [
                    { containerPort: 6379, name: 'gcs-server' },
                    { containerPort: 8265, name: 'dashboard' },
                    { containerPort: 10001, name: 'client' },
                    { containerPort: 8000, name: 'serve' },
                    { containerPort: 8080, name: 'metrics' },
                  ],
                  resources: HEAD_RESOURCES,
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
                serviceAccountName: expr(`${ids.serviceAccount}.metadata.name`),
                nodeSelector: expr('schema.spec.nodeSelector'),
                tolerations: [GPU_TOLERATION],
                initContainers: [
                  {
                    name: 'check-model-access',
                    image,
                    command: ['python', '-c', MODEL_ACCESS_CHECK_SCRIPT],
                    env: [
                      { name: 'MODEL_SOURCE', value: expr(CEL.source) },
                      { name: 'MODEL_MANIFEST', value: expr('schema.spec.model.manifest') },
                      { name: 'AWS_REGION', value: expr('schema.spec.region') },
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
                    resources: {
                      requests: { 'cpu': expr('schema.spec.worker.cpu'), 'memory': expr('schema.spec.worker.memory'), 'nvidia.com/gpu': expr('schema.spec.gpuCount') },
                      limits: { 'memory': expr('schema.spec.worker.memory'), 'nvidia.com/gpu': expr('schema.spec.gpuCount') },
                    },
                    volumeMounts: [{ name: 'dshm', mountPath: '/dev/shm' }, ...weightsMount],
                  },
                ],
                // NCCL and vLLM's tensor-parallel workers share memory through /dev/shm
                volumes: [{ name: 'dshm', emptyDir: { medium: 'Memory' } }, ...weightsVolume],
              },
            },
          },
        ],
      },
    },
  };
}
