import { ANNOTATIONS, derivedName, LABELS, PART_OF, RGD_NAME } from './api.js';
import type { ImageRef } from './image-ref.js';
import { rayServiceTemplate } from './ray-service.js';
import { llmServiceSimpleSchema } from './rgd-schema.js';
import { CEL, expr } from './serve-config.js';
import { withInClusterStaging } from './staging-job.js';
import type { RuntimeVersions } from './versions.js';
import type { RgdResource } from '../kro/expand.js';

/** kro resource ids, in dependency order. */
export const RESOURCE_IDS = {
  serviceAccount: 'serviceAccount',
  weightsVolume: 'weightsVolume',
  weightsClaim: 'weightsClaim',
  rayServiceStream: 'rayServiceStream',
  rayServiceMount: 'rayServiceMount',
} as const;

/** Mountpoint ignores capacity; Kubernetes requires one. */
const WEIGHTS_CAPACITY = '1Ti';

/** `${id.status…}` is true once KubeRay reports the RayService Ready (Serve apps running). */
function readyWhen(id: string): string[] {
  return [expr(`${id}.status.?conditions.orValue([]).exists(c, c.type == "Ready" && c.status == "True")`)];
}

function modelLabels(component: string): Record<string, string> {
  return { [LABELS.name]: expr(CEL.name), [LABELS.component]: component, [LABELS.partOf]: PART_OF, [LABELS.model]: expr(CEL.name) };
}

/** The ResourceGraphDefinition's resources: service account, Mountpoint volume and claim, one RayService per storage mode. */
export function llmServiceResources(image: ImageRef, versions: RuntimeVersions): RgdResource[] {
  const ids = { serviceAccount: RESOURCE_IDS.serviceAccount, weightsClaim: RESOURCE_IDS.weightsClaim };
  const pvName = `${expr(CEL.namespace)}-${expr(CEL.name)}-weights`;
  const claimName = derivedName('rayService', expr(CEL.name));
  return [
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
            'ray-gitops.io/purpose': 'Reads the model weights from S3. Associate it with an IAM role through EKS Pod Identity.',
          },
        },
      },
    },
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
      id: RESOURCE_IDS.rayServiceStream,
      includeWhen: [expr(`${CEL.isStaged} && !(${CEL.isMount})`)],
      readyWhen: readyWhen(RESOURCE_IDS.rayServiceStream),
      template: rayServiceTemplate({ mode: 'stream', image: image.ref, rayVersion: versions.ray, ids }),
    },
    {
      id: RESOURCE_IDS.rayServiceMount,
      includeWhen: [expr(CEL.isMount)],
      readyWhen: readyWhen(RESOURCE_IDS.rayServiceMount),
      template: rayServiceTemplate({ mode: 'mount', image: image.ref, rayVersion: versions.ray, ids }),
    },
  ];
}

/** The ResourceGraphDefinition: the `LLMService` API and what kro creates for each instance. */
export function llmServiceRgd(image: ImageRef, versions: RuntimeVersions): Record<string, unknown> {
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
        [ANNOTATIONS.syncWave]: '0',
        [ANNOTATIONS.syncOptions]: 'SkipDryRunOnMissingResource=true',
      },
    },
    spec: {
      schema: { apiVersion: schema.apiVersion, kind: schema.kind, group: schema.group, spec: schema.spec },
      resources: withInClusterStaging(llmServiceResources(image, versions)).map((resource) => ({
        id: resource.id,
        ...(resource.includeWhen ? { includeWhen: resource.includeWhen } : {}),
        ...(resource.readyWhen ? { readyWhen: resource.readyWhen } : {}),
        template: resource.template,
      })),
    },
  };
}
