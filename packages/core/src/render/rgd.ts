import { ANNOTATIONS, derivedName, LABELS, PART_OF, RGD_NAME } from './api.js';
import type { ImageRef } from './image-ref.js';
import type { ExpectedRole } from './init-check.js';
import { rayServiceTemplate, SERVE_PORT } from './ray-service.js';
import { llmServiceSimpleSchema } from './rgd-schema.js';
import { CEL, expr } from './serve-config.js';
import { DEFAULT_SETTINGS, type GatewaySettings, type IdentitySettings, type MonitoringSettings } from './settings.js';
import { withInClusterStaging } from './staging-job.js';
import type { RuntimeVersions } from './versions.js';
import type { RgdResource } from '../kro/expand.js';

/** kro resource ids, in dependency order. */
const RESOURCE_IDS = {
  serviceAccount: 'serviceAccount',
  podIdentityAssociation: 'podIdentityAssociation',
  weightsVolume: 'weightsVolume',
  weightsClaim: 'weightsClaim',
  rayService: 'rayService',
  httpRoute: 'httpRoute',
  podMonitor: 'podMonitor',
  workerDisruptionBudget: 'workerDisruptionBudget',
} as const;

/** What of render-settings.yaml the RGD bakes in: identity, the way in, observability. */
interface RgdSettings {
  readonly identity?: IdentitySettings;
  readonly gateway?: GatewaySettings;
  readonly monitoring: MonitoringSettings;
  /** the stager image, recorded on the RGD so that a render without --stager-image keeps it */
  readonly stagerImage?: string;
}

/** Mountpoint ignores capacity; Kubernetes requires one. */
const WEIGHTS_CAPACITY = '1Ti';

/** The path prefix each model has on the shared Gateway: `/models/<name>/…` reaches the model's `/…`. */
const GATEWAY_PATH_PREFIX = '/models/';

const READY_CEL = `${RESOURCE_IDS.rayService}.status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")`;

function modelLabels(component: string): Record<string, string> {
  return { [LABELS.name]: expr(CEL.name), [LABELS.component]: component, [LABELS.partOf]: PART_OF, [LABELS.model]: expr(CEL.name) };
}

/**
 * The ResourceGraphDefinition's resources: service account and its Pod Identity association, the
 * Mountpoint volume and claim, the RayService, its HTTPRoute, PodMonitor and worker disruption budget.
 */
export function llmServiceResources(image: ImageRef, versions: RuntimeVersions, settings: RgdSettings = DEFAULT_SETTINGS): RgdResource[] {
  const pvName = `${expr(CEL.namespace)}-${expr(CEL.name)}-weights`;
  const claimName = derivedName('rayService', expr(CEL.name));
  const resources: RgdResource[] = [
    {
      id: RESOURCE_IDS.serviceAccount,
      template: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: derivedName('serviceAccount', expr(CEL.name)),
          namespace: expr(CEL.namespace),
          labels: modelLabels('model-reader'),
          annotations: {
            'ray-gitops.io/purpose': settings.identity
              ? `Reads the model weights from S3 as IAM role ${settings.identity.roleARN ?? settings.identity.roleName}, through its EKS Pod Identity association.`
              : 'Reads the model weights from S3. Associate it with an IAM role through EKS Pod Identity.',
          },
        },
      },
    },
  ];
  if (settings.identity) resources.push(podIdentityAssociation(settings.identity));
  resources.push(
    {
      id: RESOURCE_IDS.weightsVolume,
      includeWhen: [expr(CEL.isMount)],
      template: {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pvName, labels: modelLabels('weights') },
        spec: {
          capacity: { storage: WEIGHTS_CAPACITY },
          accessModes: ['ReadOnlyMany'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: '',
          claimRef: { namespace: expr(CEL.namespace), name: claimName },
          mountOptions: ['read-only', 'allow-other', `prefix ${expr(CEL.keyPrefix)}`, `region ${expr('schema.spec.region')}`],
          csi: {
            driver: 's3.csi.aws.com',
            volumeHandle: pvName,
            // the Mountpoint pod uses the workload pod's identity: the model-reader service account
            volumeAttributes: { bucketName: expr(CEL.bucket), authenticationSource: 'pod' },
          },
        },
      },
    },
    {
      id: RESOURCE_IDS.weightsClaim,
      includeWhen: [expr(CEL.isMount)],
      template: {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claimName, namespace: expr(CEL.namespace), labels: modelLabels('weights') },
        spec: {
          accessModes: ['ReadOnlyMany'],
          storageClassName: '',
          volumeName: expr(`${RESOURCE_IDS.weightsVolume}.metadata.name`),
          resources: { requests: { storage: WEIGHTS_CAPACITY } },
        },
      },
    },
    {
      id: RESOURCE_IDS.rayService,
      includeWhen: [staged()],
      readyWhen: [expr(READY_CEL)],
      template: rayServiceTemplate({
        image: image.ref,
        rayVersion: versions.ray,
        ids: { serviceAccount: RESOURCE_IDS.serviceAccount },
        ...(settings.identity ? { expectedRole: expectedRole(settings.identity) } : {}),
        ...(settings.gateway?.className ? { incrementalGatewayClass: settings.gateway.className } : {}),
        engineMetrics: settings.monitoring.engineMetrics,
      }),
    },
  );
  // with an incremental upgrade KubeRay makes its own Gateway and HTTPRoute, and its Serve service is per cluster
  if (settings.gateway) resources.push(httpRoute(settings.gateway));
  if (settings.monitoring.podMonitor) resources.push(podMonitor());
  resources.push(workerDisruptionBudget());
  return resources;
}

function expectedRole(identity: IdentitySettings): ExpectedRole {
  return { roleName: identity.roleName, ...(identity.roleARN ? { roleARN: identity.roleARN } : {}) };
}

/**
 * The ACK EKS controller's PodIdentityAssociation: the model's service account, in the namespace of
 * its RayService pods, gets the reader role. Read from the ServiceAccount resource so both can only agree.
 */
function podIdentityAssociation(identity: IdentitySettings): RgdResource {
  return {
    id: RESOURCE_IDS.podIdentityAssociation,
    template: {
      apiVersion: 'eks.services.k8s.aws/v1alpha1',
      kind: 'PodIdentityAssociation',
      metadata: { name: derivedName('serviceAccount', expr(CEL.name)), namespace: expr(CEL.namespace), labels: modelLabels('model-reader') },
      spec: {
        clusterName: identity.clusterName,
        namespace: expr(`${RESOURCE_IDS.serviceAccount}.metadata.namespace`),
        serviceAccount: expr(`${RESOURCE_IDS.serviceAccount}.metadata.name`),
        ...(identity.roleARN ? { roleARN: identity.roleARN } : { roleRef: { from: { name: identity.roleRef! } } }),
        tags: { 'ray-gitops.io/model': expr(CEL.name) },
      },
    },
  };
}

/**
 * The model's way in: an HTTPRoute in the model's namespace on the shared Gateway, `/models/<name>/`
 * rewritten to `/`, to the Serve service and port KubeRay creates. Route and Service share a
 * namespace, so no ReferenceGrant is needed; the Gateway's listener must allow routes from it.
 */
function httpRoute(gateway: GatewaySettings): RgdResource {
  const prefix = `${GATEWAY_PATH_PREFIX}${expr(CEL.name)}`;
  return {
    id: RESOURCE_IDS.httpRoute,
    includeWhen: [expr(`${CEL.isStaged} && schema.spec.upgrade != "incremental"`)],
    template: {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: expr(CEL.name), namespace: expr(CEL.namespace), labels: modelLabels('route') },
      spec: {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name, namespace: gateway.namespace }],
        ...(gateway.hostname ? { hostnames: [gateway.hostname] } : {}),
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: prefix } }],
            filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
            // the Service KubeRay creates for the head's port named serve (common/service.go GenerateServeServiceName)
            backendRefs: [{ kind: 'Service', name: expr(`${RESOURCE_IDS.rayService}.metadata.name + "-serve-svc"`), port: SERVE_PORT }],
            // a long completion streams for minutes
            timeouts: { request: '0s' },
          },
        ],
      },
    },
  };
}

/** Ray's metrics (Serve, autoscaler, and vLLM's engine metrics) from the head and every worker. */
function podMonitor(): RgdResource {
  return {
    id: RESOURCE_IDS.podMonitor,
    includeWhen: [staged()],
    template: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: expr(CEL.name), namespace: expr(CEL.namespace), labels: modelLabels('metrics') },
      spec: {
        selector: { matchLabels: { [LABELS.model]: expr(`${RESOURCE_IDS.rayService}.metadata.name`), [LABELS.partOf]: PART_OF } },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }],
      },
    },
  };
}

/** At most one GPU worker of a model is evicted at a time (node drains, Karpenter consolidation). */
function workerDisruptionBudget(): RgdResource {
  return {
    id: RESOURCE_IDS.workerDisruptionBudget,
    includeWhen: [staged()],
    template: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: `${expr(CEL.name)}-gpu-workers`, namespace: expr(CEL.namespace), labels: modelLabels('ray-gpu-worker') },
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: { [LABELS.model]: expr(`${RESOURCE_IDS.rayService}.metadata.name`), [LABELS.component]: 'ray-gpu-worker' } },
      },
    },
  };
}

function staged(): string {
  return expr(CEL.isStaged);
}

/**
 * The LLMService's status, from the RayService (kro leaves a field out until it can be evaluated):
 * the in-cluster OpenAI endpoint, whether KubeRay reports it Ready, the image it runs and the staged
 * commit it serves.
 */
function llmServiceStatus(): Record<string, string> {
  const id = RESOURCE_IDS.rayService;
  return {
    endpoint: expr(`"http://" + ${id}.metadata.name + "-serve-svc." + ${id}.metadata.namespace + ".svc:" + string(${SERVE_PORT}) + "/v1"`),
    ready: expr(READY_CEL),
    servingImage: expr(`${id}.spec.rayClusterConfig.headGroupSpec.template.spec.containers[0].image`),
    stagedCommit: expr(`${id}.metadata.annotations["ray-gitops.io/model-commit"]`),
  };
}

/** The ResourceGraphDefinition: the `LLMService` API and what kro creates for each instance. */
export function llmServiceRgd(image: ImageRef, versions: RuntimeVersions, settings: RgdSettings = DEFAULT_SETTINGS): Record<string, unknown> {
  const schema = llmServiceSimpleSchema();
  return {
    apiVersion: 'kro.run/v1alpha1',
    kind: 'ResourceGraphDefinition',
    metadata: {
      name: RGD_NAME,
      labels: { [LABELS.partOf]: PART_OF },
      annotations: {
        [ANNOTATIONS.image]: image.ref,
        [ANNOTATIONS.rayVersion]: versions.ray,
        ...(settings.stagerImage === undefined ? {} : { [ANNOTATIONS.stagerImage]: settings.stagerImage }),
        [ANNOTATIONS.syncWave]: '0',
        [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true',
      },
    },
    spec: {
      schema: { apiVersion: schema.apiVersion, kind: schema.kind, group: schema.group, spec: schema.spec, status: llmServiceStatus() },
      resources: withInClusterStaging(llmServiceResources(image, versions, settings)).map((resource) => ({
        id: resource.id,
        ...(resource.includeWhen ? { includeWhen: resource.includeWhen } : {}),
        ...(resource.readyWhen ? { readyWhen: resource.readyWhen } : {}),
        template: resource.template,
      })),
    },
  };
}
