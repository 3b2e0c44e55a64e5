import { ANNOTATIONS, derivedName, LABELS, PART_OF } from './api.js';
import { healthCheckData } from './health-checks.js';
import type { RenderSettings } from './settings.js';

/** The rendered tree's directories (relative to the output directory). */
export const TREE = {
  bootstrap: 'bootstrap',
  apps: 'apps',
  platform: 'platform',
  workloads: 'workloads',
} as const;

/**
 * Sync waves of the app of apps: health checks first, then the operators and their CRDs, then the
 * namespace and the RGD (whose Healthy means kro serves the LLMService API), then the model instances.
 */
const SYNC_WAVES = {
  healthChecks: '-10',
  chartRepositories: '-6',
  operators: '-5',
  platform: '-3',
  models: '0',
} as const;

const IN_CLUSTER = 'https://kubernetes.default.svc';
const RETRY = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };
const CASCADE_DELETE = 'resources-finalizer.argocd.argoproj.io';

function repoPath(settings: RenderSettings, dir: string): string {
  return `${settings.path}/${dir}`;
}

function application(
  settings: RenderSettings,
  name: string,
  wave: string | undefined,
  spec: Record<string, unknown>,
  finalizers = false,
): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: settings.argocd.namespace,
      labels: { [LABELS.partOf]: PART_OF },
      ...(wave === undefined ? {} : { annotations: { [ANNOTATIONS.syncWave]: wave } }),
      ...(finalizers ? { finalizers: [CASCADE_DELETE] } : {}),
    },
    spec: { project: settings.argocd.project, ...spec },
  };
}

/**
 * The one manifest a person applies (`kubectl apply -f <out>/bootstrap/`): an app of apps that syncs
 * `<out>/apps/` and nothing else, so `models/` (the catalog) and the settings are never synced.
 * No cascade finalizer: deleting the root must not tear down what serves traffic.
 */
export function bootstrapApplication(settings: RenderSettings): Record<string, unknown> {
  return application(settings, PART_OF, undefined, {
    source: {
      repoURL: settings.repoURL,
      targetRevision: settings.targetRevision,
      path: repoPath(settings, TREE.apps),
      directory: { recurse: false },
    },
    destination: { server: IN_CLUSTER, namespace: settings.argocd.namespace },
    syncPolicy: { automated: { prune: true, selfHeal: true }, retry: RETRY },
  });
}

/**
 * Health checks as a partial `argocd-cm`, applied server-side: Argo CD owns only these keys and leaves
 * the rest of the ConfigMap alone; `Delete=false` keeps them when the app goes away.
 */
export function healthCheckConfigMap(settings: RenderSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'argocd-cm',
      namespace: settings.argocd.namespace,
      labels: { 'app.kubernetes.io/name': 'argocd-cm', 'app.kubernetes.io/part-of': 'argocd' },
      annotations: { [ANNOTATIONS.syncWave]: SYNC_WAVES.healthChecks, [ANNOTATIONS.syncOptions]: 'ServerSideApply=true,Prune=false,Delete=false' },
    },
    data: healthCheckData(),
  };
}

/** KubeRay's Helm chart; its CRDs exceed the client-side apply annotation limit, hence ServerSideApply. */
export function kubeRayApplication(settings: RenderSettings): Record<string, unknown> {
  return application(settings, 'kuberay-operator', SYNC_WAVES.operators, {
    source: { repoURL: 'https://ray-project.github.io/kuberay-helm/', chart: 'kuberay-operator', targetRevision: settings.addons.kuberay.version },
    destination: { server: IN_CLUSTER, namespace: 'kuberay-operator' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'], retry: RETRY },
  });
}

const KRO_CHART_REPOSITORY = 'registry.k8s.io/kro/charts';

/** Declares kro's OCI chart registry to Argo CD (no credentials: it is public). */
export function kroChartRepository(settings: RenderSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'kro-chart-repository',
      namespace: settings.argocd.namespace,
      labels: { 'argocd.argoproj.io/secret-type': 'repository', [LABELS.partOf]: PART_OF },
      annotations: { [ANNOTATIONS.syncWave]: SYNC_WAVES.chartRepositories },
    },
    type: 'Opaque',
    stringData: { name: 'kro', type: 'helm', url: KRO_CHART_REPOSITORY, enableOCI: 'true' },
  };
}

export function kroApplication(settings: RenderSettings): Record<string, unknown> {
  return application(settings, 'kro', SYNC_WAVES.operators, {
    source: { repoURL: KRO_CHART_REPOSITORY, chart: 'kro', targetRevision: settings.addons.kro.version },
    destination: { server: IN_CLUSTER, namespace: 'kro-system' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'], retry: RETRY },
  });
}

export const ACK_CHART_REPOSITORY = 'public.ecr.aws/aws-controllers-k8s';

/** Declares the ACK charts' public OCI registry to Argo CD (no credentials). */
export function ackChartRepository(settings: RenderSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: 'ack-chart-repository',
      namespace: settings.argocd.namespace,
      labels: { 'argocd.argoproj.io/secret-type': 'repository', [LABELS.partOf]: PART_OF },
      annotations: { [ANNOTATIONS.syncWave]: SYNC_WAVES.chartRepositories },
    },
    type: 'Opaque',
    stringData: { name: 'aws-controllers-k8s', type: 'helm', url: ACK_CHART_REPOSITORY, enableOCI: 'true' },
  };
}

/**
 * The ACK EKS controller, which creates each model's EKS Pod Identity association from its
 * PodIdentityAssociation resource. Its own service account (`ack-eks-controller` in `ack-system`)
 * needs an IAM role allowed eks:*PodIdentityAssociation* and iam:PassRole on the reader role: set up
 * once with the cluster (docs/serving.md).
 */
export function ackEksApplication(settings: RenderSettings): Record<string, unknown> {
  return application(settings, 'ack-eks-controller', SYNC_WAVES.operators, {
    source: {
      repoURL: ACK_CHART_REPOSITORY,
      chart: 'eks-chart',
      targetRevision: settings.addons.ackEks.version,
      helm: { valuesObject: { aws: { region: settings.region } } },
    },
    destination: { server: IN_CLUSTER, namespace: 'ack-system' },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true', 'ServerSideApply=true'], retry: RETRY },
  });
}

/** The namespace and the RGD. Healthy once kro reports the RGD Active, i.e. the LLMService CRD exists. */
export function platformApplication(settings: RenderSettings): Record<string, unknown> {
  return application(settings, `${PART_OF}-platform`, SYNC_WAVES.platform, {
    source: { repoURL: settings.repoURL, targetRevision: settings.targetRevision, path: repoPath(settings, TREE.platform) },
    destination: { server: IN_CLUSTER, namespace: settings.namespace },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true'], retry: RETRY },
  });
}

/**
 * One Application per model, from a git directories generator over `<out>/workloads/*`: a model
 * removed from the catalog loses its directory, its Application and (cascade finalizer) its instance.
 */
export function modelsApplicationSet(settings: RenderSettings): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: {
      name: `${PART_OF}-models`,
      namespace: settings.argocd.namespace,
      labels: { [LABELS.partOf]: PART_OF },
      annotations: { [ANNOTATIONS.syncWave]: SYNC_WAVES.models },
    },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ git: { repoURL: settings.repoURL, revision: settings.targetRevision, directories: [{ path: `${repoPath(settings, TREE.workloads)}/*` }] } }],
      template: {
        metadata: {
          name: derivedName('argoApplication', '{{.path.basename}}'),
          labels: { [LABELS.partOf]: PART_OF, [LABELS.model]: '{{.path.basename}}' },
          finalizers: [CASCADE_DELETE],
        },
        spec: {
          project: settings.argocd.project,
          source: { repoURL: settings.repoURL, targetRevision: settings.targetRevision, path: '{{.path.path}}' },
          destination: { server: IN_CLUSTER, namespace: settings.namespace },
          // Defensive: kro owns the RayService and the autoscaler the RayCluster's replicas; should either
          // ever be synced directly, replicas stay the autoscaler's.
          ignoreDifferences: [
            { group: 'ray.io', kind: 'RayService', jqPathExpressions: ['.spec.rayClusterConfig.workerGroupSpecs[].replicas'] },
            { group: 'ray.io', kind: 'RayCluster', jqPathExpressions: ['.spec.workerGroupSpecs[].replicas'] },
          ],
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions: ['SkipDryRunOnMissingResource=true', 'RespectIgnoreDifferences=true', 'ServerSideApply=true'],
            retry: RETRY,
          },
        },
      },
    },
  };
}

export function modelsNamespace(settings: RenderSettings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: settings.namespace, labels: { [LABELS.partOf]: PART_OF }, annotations: { [ANNOTATIONS.syncWave]: '-1' } },
  };
}
