import { LABELS, PART_OF } from './api.js';
import { parseImageRef } from './image-ref.js';
import { CEL, expr } from './serve-config.js';
import type { ModelPlacement } from './staged.js';
import type { ModelEntry } from '../catalog/model-entry.js';
import { InputFileError, UsageError } from '../errors/errors.js';
import type { RgdResource } from '../kro/expand.js';

/**
 * In-cluster staging (catalog `staging: { where: cluster, shards: N }`): an Indexed Job of N pods, each
 * running `ray-gitops prestage --shard $(JOB_COMPLETION_INDEX)/N`, then a finalize Job that writes the
 * completion manifest, under a writer service account tied to a writer IAM role by an ACK EKS
 * PodIdentityAssociation. The RayService of such a model references the finalize Job, so kro creates it
 * only once that Job is ready (succeeded): a half-staged prefix is never served.
 */
export const STAGING_IDS = {
  serviceAccount: 'stagerServiceAccount',
  podIdentity: 'stagerPodIdentity',
  shards: 'stagingShards',
  finalize: 'stagingFinalize',
} as const;

const IN_CLUSTER = 'schema.spec.staging.shards > 0';
const NOT_IN_CLUSTER = 'schema.spec.staging.shards == 0';
/** a Job whose pods have not finished in this long fails, rather than holding a prefix half-staged for ever */
export const STAGING_DEADLINE_SECONDS = 6 * 3600;
/** pod failures the shard Job tolerates across all indexes before it fails (a re-run resumes each shard) */
export const STAGING_BACKOFF_LIMIT = 6;

/** Cluster-wide settings of in-cluster staging: `staging:` in render-settings.yaml. */
export interface StagingSettings {
  /** the EKS cluster the PodIdentityAssociation binds in */
  readonly clusterName: string;
  /** IAM role with s3:PutObject/GetObject/ListBucket/…MultipartUpload on the model prefix */
  readonly writerRoleArn: string;
  /**
   * the stager image, pinned by digest (docker/stager/, built by build-image). Optional: `render
   * --stager-image` passes the build's, and without either the previous render's is kept.
   */
  readonly image?: string;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const HF_REF = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\/[A-Za-z0-9_][A-Za-z0-9_.-]*@[0-9a-f]{40}$/;
const S3_DEST = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[A-Za-z0-9!_.*'()/=+-]*)?$/;

/** Checks the `staging:` mapping of render-settings.yaml; every field but image is required when it is there. */
export function parseStagingSettings(value: unknown, file: string): StagingSettings {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InputFileError(`${file}: staging must be a mapping`);
  const record = value as Record<string, unknown>;
  const keys = ['clusterName', 'writerRoleArn', 'image'];
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) throw new InputFileError(`${file}: unknown setting 'staging.${key}'; known: ${keys.map((k) => `staging.${k}`).join(', ')}`);
  }
  const field = (key: string, pattern: RegExp, what: string): string => {
    const text = record[key];
    if (typeof text !== 'string' || !pattern.test(text)) throw new InputFileError(`${file}: 'staging.${key}' must be ${what}, not ${JSON.stringify(text ?? null)}`);
    return text;
  };
  const image = record.image === undefined ? undefined : stagerImageSetting(record.image, file);
  return {
    clusterName: field('clusterName', CLUSTER_NAME, 'the EKS cluster name'),
    writerRoleArn: field('writerRoleArn', ROLE_ARN, 'an IAM role ARN such as arn:aws:iam::123456789012:role/model-writer'),
    ...(image === undefined ? {} : { image }),
  };
}

/** The same rule as the Ray image's (parseImageRef): a tag moves under you, so only repository@sha256:… is taken. */
function stagerImageSetting(value: unknown, file: string): string {
  if (typeof value === 'string') {
    try {
      return parseImageRef(value).ref;
    } catch {
      // reported below, naming the file and field
    }
  }
  throw new InputFileError(
    `${file}: 'staging.image' ${JSON.stringify(value ?? null)} is not pinned by digest; give the stager image as REPOSITORY@sha256:<64 hex digits> ` +
      '(the build-image output for docker/stager), or leave it out and pass render --stager-image',
  );
}

/** The instance API's `staging` fields (kro SimpleSchema); shards 0 means the runner staged the model. */
export function stagingSchemaFields(): Record<string, string> {
  const q = (text: string) => JSON.stringify(text);
  return {
    shards: `integer | default=0 minimum=0 maximum=64 description=${q('0: the weights were staged outside the cluster. N: an Indexed Job of N pods stages them, then a finalize Job; the RayService waits for it.')}`,
    hf: `string | default="" pattern=${q(`^(${HF_REF.source.slice(1, -1)})?$`)} description=${q('The Hugging Face repository at the resolved commit: org/name@<40 hex>.')}`,
    dest: `string | default="" pattern=${q(`^(${S3_DEST.source.slice(1, -1)})?$`)} description=${q('The prestage --dest: s3://bucket/prefix above <org>/<name>/<commit>/.')}`,
    image: `string | default="" description=${q('The stager image, pinned by digest.')}`,
    clusterName: `string | default="" description=${q('EKS cluster of the writer PodIdentityAssociation.')}`,
    writerRoleArn: `string | default="" description=${q('IAM role the stager pods assume through EKS Pod Identity.')}`,
  };
}

/** The instance's `staging` for a catalog entry; `{ shards: 0 }` unless it stages in the cluster and is resolved. */
export function stagingInstanceSpec(
  entry: ModelEntry,
  placement: ModelPlacement,
  settings: StagingSettings | undefined,
  settingsFile: string,
): Record<string, unknown> {
  if (entry.staging?.where !== 'cluster' || entry.source.kind !== 'huggingface' || placement.source === '') return { shards: 0 };
  if (!settings) {
    throw new InputFileError(
      `${entry.name} stages in the cluster (staging.where: cluster); set staging.clusterName and staging.writerRoleArn in ${settingsFile}`,
    );
  }
  if (settings.image === undefined) {
    throw new UsageError(
      `${entry.name} stages in the cluster, but no stager image is known: pass render --stager-image REPOSITORY@sha256:<digest> ` +
        `(the build-image output for docker/stager) or set staging.image in ${settingsFile}`,
    );
  }
  const suffix = `${entry.source.repo}/${placement.commit}/`;
  if (!placement.source.endsWith(suffix)) throw new InputFileError(`${entry.name}: the weights location '${placement.source}' does not end in ${suffix}; stage it again with prestage`);
  const hf = `${entry.source.repo}@${placement.commit}`;
  const dest = placement.source.slice(0, -suffix.length).replace(/\/$/, '');
  if (!HF_REF.test(hf) || !S3_DEST.test(dest)) throw new InputFileError(`${entry.name}: cannot stage '${hf}' to '${dest}' in the cluster: the commit must be 40 hex and the prefix plain S3 key characters`);
  return { shards: entry.staging.shards, hf, dest, image: settings.image, clusterName: settings.clusterName, writerRoleArn: settings.writerRoleArn };
}

function labels(component: string): Record<string, string> {
  return { [LABELS.name]: expr(CEL.name), [LABELS.component]: component, [LABELS.partOf]: PART_OF, [LABELS.model]: expr(CEL.name) };
}

/** The shard and finalize pods: the same container, non-root, read-only root, the writer identity. */
function stagerPod(component: string, args: string[], env: Record<string, unknown>[]): Record<string, unknown> {
  return {
    metadata: { labels: labels(component) },
    spec: {
      serviceAccountName: expr(`${STAGING_IDS.serviceAccount}.metadata.name`),
      restartPolicy: 'Never',
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'stager',
          image: expr('schema.spec.staging.image'),
          args,
          env: [
            { name: 'AWS_REGION', value: expr('schema.spec.region') },
            // gated repositories: a Secret hf-token with key token in the namespace; public ones need none
            { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token', optional: true } } },
            ...env,
          ],
          resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '1Gi' } },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        },
      ],
    },
  };
}

/**
 * Exit code 2 is a usage error (a bad --hf, --dest or --shard): no retry can fix it, so the Job fails at
 * once instead of burning its backoff. Exit 1 (S3 or Hub refused, retries exhausted) is retried: a pod on
 * another node, or a later attempt, may get through, and each retry resumes where the last one stopped.
 */
const FAIL_ON_USAGE_ERROR = { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'stager', operator: 'In', values: [2] } }] };

const commonArgs = ['prestage', '--hf', expr('schema.spec.staging.hf'), '--dest', expr('schema.spec.staging.dest'), '--storage-class', 'INTELLIGENT_TIERING'];

/** The writer identity and the two Jobs; included only for an instance with staging.shards > 0 and a weights location. */
export function stagingResources(): RgdResource[] {
  const when = [expr(`${IN_CLUSTER} && ${CEL.isStaged}`)];
  // a new commit is a new pair of Jobs (a Job's pod template cannot change): the name carries the commit
  const jobName = (letter: string) => `${expr(CEL.name)}-${letter}${expr('schema.spec.model.commit.substring(0, 8)')}`;
  return [
    {
      id: STAGING_IDS.serviceAccount,
      includeWhen: when,
      template: {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: `${expr(CEL.name)}-stager`,
          namespace: expr(CEL.namespace),
          labels: labels('model-writer'),
          annotations: { 'ray-gitops.io/purpose': 'Writes the model weights to S3 (in-cluster staging); tied to the writer role by the PodIdentityAssociation beside it.' },
        },
      },
    },
    {
      id: STAGING_IDS.podIdentity,
      includeWhen: when,
      template: {
        apiVersion: 'eks.services.k8s.aws/v1alpha1',
        kind: 'PodIdentityAssociation',
        metadata: { name: `${expr(CEL.name)}-stager`, namespace: expr(CEL.namespace), labels: labels('model-writer') },
        spec: {
          clusterName: expr('schema.spec.staging.clusterName'),
          namespace: expr(CEL.namespace),
          serviceAccount: expr(`${STAGING_IDS.serviceAccount}.metadata.name`),
          roleARN: expr('schema.spec.staging.writerRoleArn'),
        },
      },
      // the pods start only once the association exists, or their first S3 call is refused
      readyWhen: [expr(`${STAGING_IDS.podIdentity}.status.?associationID.orValue("") != ""`)],
    },
    {
      id: STAGING_IDS.shards,
      includeWhen: when,
      template: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName('s'),
          namespace: expr(CEL.namespace),
          labels: labels('stager'),
          annotations: { 'ray-gitops.io/identity': expr(`${STAGING_IDS.podIdentity}.metadata.name`) },
        },
        spec: {
          completionMode: 'Indexed',
          completions: expr('schema.spec.staging.shards'),
          parallelism: expr('schema.spec.staging.shards'),
          backoffLimit: STAGING_BACKOFF_LIMIT,
          activeDeadlineSeconds: STAGING_DEADLINE_SECONDS,
          podFailurePolicy: FAIL_ON_USAGE_ERROR,
          template: stagerPod('stager', [...commonArgs, '--shard', `$(JOB_COMPLETION_INDEX)/${expr('string(schema.spec.staging.shards)')}`], [
            { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
          ]),
        },
      },
      readyWhen: [expr(`${STAGING_IDS.shards}.status.?succeeded.orValue(0) == schema.spec.staging.shards`)],
    },
    {
      id: STAGING_IDS.finalize,
      includeWhen: when,
      template: {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName('f'),
          namespace: expr(CEL.namespace),
          labels: labels('stager'),
          // the reference makes kro create this Job only once every shard has succeeded
          annotations: { 'ray-gitops.io/after': expr(`${STAGING_IDS.shards}.metadata.name`) },
        },
        spec: {
          completions: 1,
          parallelism: 1,
          backoffLimit: STAGING_BACKOFF_LIMIT,
          activeDeadlineSeconds: STAGING_DEADLINE_SECONDS,
          podFailurePolicy: FAIL_ON_USAGE_ERROR,
          template: stagerPod('stager', [...commonArgs, '--finalize'], []),
        },
      },
      readyWhen: [expr(`${STAGING_IDS.finalize}.status.?succeeded.orValue(0) >= 1`)],
    },
  ];
}

const isRayService = (resource: RgdResource) => (resource.template as { kind?: unknown } | undefined)?.kind === 'RayService';

/** the id suffix of a resource's in-cluster variant */
export const AFTER_STAGING = 'AfterStaging';

/** A CEL reference to resource `id` (`id.metadata…`, `id.status.?…`), not a longer id that starts with it. */
const reference = (id: string) => new RegExp(`(?<![\\w.$])${id}(?=\\.)`, 'g');

/** Every string in `value` with `rewrite` applied; keys stay as they are. */
function mapStrings(value: unknown, rewrite: (text: string) => string): unknown {
  if (typeof value === 'string') return rewrite(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, rewrite));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, rewrite)]));
  return value;
}

/**
 * The RayService and every resource that refers to it, directly or through another (the HTTPRoute, the
 * PodMonitor, the disruption budget): what must wait for staging along with it.
 */
function rayServiceGroup(resources: readonly RgdResource[]): Set<string> {
  const group = new Set(resources.filter(isRayService).map((resource) => resource.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const resource of resources) {
      if (group.has(resource.id)) continue;
      const text = JSON.stringify([resource.template, resource.includeWhen, resource.readyWhen]);
      if ([...group].some((id) => reference(id).test(text))) {
        group.add(resource.id);
        grew = true;
      }
    }
  }
  return group;
}

/**
 * The RGD's resources with in-cluster staging. The RayService and the resources that refer to it stay
 * as they are for models staged elsewhere (`staging.shards == 0`); for models staged in the cluster each
 * gets a variant generated from the same template, id suffixed `AfterStaging`, its references moved to
 * the other variants, and the RayService's naming the finalize Job, so kro creates it only once that
 * Job succeeded. Variants rather than one RayService because kro leaves out every resource that refers
 * to one includeWhen left out: a reference to the Jobs would hold back the models that have none.
 */
export function withInClusterStaging(resources: readonly RgdResource[]): RgdResource[] {
  const first = resources.findIndex(isRayService);
  if (first < 0) return [...resources];
  const group = rayServiceGroup(resources);
  const toVariant = (text: string) => [...group].reduce((moved, id) => moved.replace(reference(id), `${id}${AFTER_STAGING}`), text);
  const variants = resources
    .filter((resource) => group.has(resource.id))
    .map((resource): RgdResource => {
      const template = mapStrings(resource.template, toVariant) as { metadata?: { annotations?: Record<string, string> } };
      return {
        ...resource,
        id: `${resource.id}${AFTER_STAGING}`,
        includeWhen: [...(resource.includeWhen ?? []), expr(IN_CLUSTER)],
        ...(resource.readyWhen ? { readyWhen: resource.readyWhen.map(toVariant) } : {}),
        template: isRayService(resource)
          ? {
            ...template,
            metadata: {
              ...template.metadata,
              annotations: { ...template.metadata?.annotations, 'ray-gitops.io/staged-by': expr(`${STAGING_IDS.finalize}.metadata.name`) },
            },
          }
          : template,
      };
    });
  const plain = resources.map((resource) =>
    group.has(resource.id) ? { ...resource, includeWhen: [...(resource.includeWhen ?? []), expr(NOT_IN_CLUSTER)] } : resource,
  );
  return [...plain.slice(0, first), ...stagingResources(), ...plain.slice(first), ...variants];
}
