import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { SETTINGS_FILE_NAME } from './settings-file.js';
import { parseStagingSettings, type StagingSettings } from './staging-job.js';
import { GPU_NODE_LABEL_SCHEMES, type GpuNodeLabelScheme } from '../catalog/gpu-types.js';
import { InputFileError } from '../errors/errors.js';

export { SETTINGS_FILE_NAME };

/**
 * What the rendered tree needs to know about the cluster and the repository that the catalog does not
 * say. Read from `<out>/render-settings.yaml` (committed beside the rendered tree, never synced).
 */
export interface RenderSettings {
  /** the Git repository Argo CD syncs, as Argo CD knows it */
  readonly repoURL: string;
  /** branch, tag or commit Argo CD follows */
  readonly targetRevision: string;
  /** the rendered tree's directory inside the repository (the `--out` directory) */
  readonly path: string;
  /** namespace of the model instances, their RayServices and service accounts */
  readonly namespace: string;
  /** AWS region of the model bucket, for the Run:ai streamer and Mountpoint */
  readonly region: string;
  /** how the cluster labels GPU nodes, for the workers' node selector */
  readonly gpuNodeLabels: GpuNodeLabelScheme;
  readonly argocd: { readonly namespace: string; readonly project: string };
  /** the operators the tree installs; set `manage: false` when the platform installs them itself */
  readonly addons: {
    readonly kuberay: AddonSettings;
    readonly kro: AddonSettings;
    /** the ACK EKS controller, which turns each model's PodIdentityAssociation into an EKS association */
    readonly ackEks: AddonSettings;
  };
  /** in-cluster staging (catalog staging.where: cluster): the writer identity and the stager image */
  readonly staging?: StagingSettings;
  /** which IAM role the models' service accounts get, through EKS Pod Identity; absent: none is rendered */
  readonly identity?: IdentitySettings;
  /** the Gateway API gateway each model gets an HTTPRoute on; absent: no route is rendered */
  readonly gateway?: GatewaySettings;
  readonly monitoring: MonitoringSettings;
}

export interface IdentitySettings {
  /** the EKS cluster the associations belong to */
  readonly clusterName: string;
  /** the reader role's ARN, or … */
  readonly roleARN?: string;
  /** … the name of an ACK iam.services.k8s.aws Role in the models' namespace */
  readonly roleRef?: string;
  /** the IAM role's name: what the workers' init check expects sts:GetCallerIdentity to say */
  readonly roleName: string;
}

export interface GatewaySettings {
  /** the Gateway the HTTPRoutes attach to */
  readonly name: string;
  readonly namespace: string;
  /** the host name clients use; absent: the route matches any host of the listener */
  readonly hostname?: string;
  /** the GatewayClass KubeRay's incremental upgrades create their own Gateway with */
  readonly className?: string;
}

export interface MonitoringSettings {
  /** a prometheus-operator PodMonitor per model for the Ray head and workers (port 8080) */
  readonly podMonitor: boolean;
  /** vLLM engine metrics in Ray's metrics (Ray Serve LLM `log_engine_metrics`) */
  readonly engineMetrics: boolean;
  /** the Grafana dashboard ConfigMap, in this namespace */
  readonly dashboard: boolean;
  readonly dashboardNamespace: string;
}

interface AddonSettings {
  readonly manage: boolean;
  /** Helm chart version; keep it in step with the CRDs the manifests are validated against */
  readonly version: string;
}


/** Versions of the operators whose CRDs ../shared/crds holds: KubeRay v1.7.0, kro v0.9.3. */
const DEFAULT_ADDON_VERSIONS = { kuberay: '1.7.0', kro: '0.9.3', ackEks: '1.20.0' } as const;

export const DEFAULT_SETTINGS: Omit<RenderSettings, 'repoURL'> = {
  targetRevision: 'main',
  path: 'gitops',
  namespace: 'llm-serving',
  region: 'us-west-2',
  gpuNodeLabels: 'karpenter',
  argocd: { namespace: 'argocd', project: 'default' },
  addons: {
    kuberay: { manage: true, version: DEFAULT_ADDON_VERSIONS.kuberay },
    kro: { manage: true, version: DEFAULT_ADDON_VERSIONS.kro },
    ackEks: { manage: true, version: DEFAULT_ADDON_VERSIONS.ackEks },
  },
  monitoring: { podMonitor: true, engineMetrics: true, dashboard: true, dashboardNamespace: 'monitoring' },
};

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Reads and checks the settings file; a missing file is an error that says what to put in it. */
export async function loadRenderSettings(file: string): Promise<RenderSettings> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new InputFileError(
        `render settings '${file}' do not exist; create it with at least the repository Argo CD syncs, e.g. 'repoURL: https://github.com/<org>/<repo>.git' ` +
          '(see the render-settings.yaml committed in ray-gitops for every field)',
        { cause: error },
      );
    }
    throw new InputFileError(`cannot read render settings '${file}' (${code ?? String(error)})`, { cause: error });
  }
  let data: unknown;
  try {
    data = parse(source, { uniqueKeys: true, maxAliasCount: 0 });
  } catch (error) {
    throw new InputFileError(`${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return parseRenderSettings(data, file);
}

/** Checks parsed settings and fills defaults; `file` names the source in messages. */
export function parseRenderSettings(data: unknown, file = SETTINGS_FILE_NAME): RenderSettings {
  const root = mapping(data ?? {}, file, 'the file');
  known(root, ['repoURL', 'targetRevision', 'path', 'namespace', 'region', 'gpuNodeLabels', 'argocd', 'addons', 'identity', 'gateway', 'monitoring', 'staging'], file, '');
  const repoURL = text(root, 'repoURL', file, undefined, /^(https:\/\/|ssh:\/\/|git@)\S+$/, 'an https://, ssh:// or git@ repository URL');
  const argocd = mapping(root.argocd ?? {}, file, 'argocd');
  known(argocd, ['namespace', 'project'], file, 'argocd.');
  const addons = mapping(root.addons ?? {}, file, 'addons');
  known(addons, ['kuberay', 'kro', 'ackEks'], file, 'addons.');
  const gpuNodeLabels = text(root, 'gpuNodeLabels', file, DEFAULT_SETTINGS.gpuNodeLabels);
  if (!(GPU_NODE_LABEL_SCHEMES as readonly string[]).includes(gpuNodeLabels)) {
    throw new InputFileError(`${file}: gpuNodeLabels must be one of ${GPU_NODE_LABEL_SCHEMES.join(', ')}, not '${gpuNodeLabels}'`);
  }
  const path = text(root, 'path', file, DEFAULT_SETTINGS.path, /^[^/\s][^\s]*$/, 'a relative directory such as gitops').replace(/\/+$/, '');
  return {
    repoURL,
    targetRevision: text(root, 'targetRevision', file, DEFAULT_SETTINGS.targetRevision, /^\S+$/, 'a branch, tag or commit'),
    path,
    namespace: text(root, 'namespace', file, DEFAULT_SETTINGS.namespace, DNS_LABEL, 'a namespace name (DNS label)'),
    region: text(root, 'region', file, DEFAULT_SETTINGS.region, /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-west-2'),
    gpuNodeLabels: gpuNodeLabels as GpuNodeLabelScheme,
    argocd: {
      namespace: text(argocd, 'namespace', file, DEFAULT_SETTINGS.argocd.namespace, DNS_LABEL, 'a namespace name (DNS label)', 'argocd.'),
      project: text(argocd, 'project', file, DEFAULT_SETTINGS.argocd.project, /^\S+$/, 'an Argo CD project name', 'argocd.'),
    },
    addons: {
      kuberay: addon(addons, 'kuberay', file),
      kro: addon(addons, 'kro', file),
      ackEks: addon(addons, 'ackEks', file),
    },
    ...(root.identity === undefined ? {} : { identity: identity(root.identity, file) }),
    ...(root.gateway === undefined ? {} : { gateway: gateway(root.gateway, file) }),
    monitoring: monitoring(root.monitoring ?? {}, file),
    ...(root.staging === undefined ? {} : { staging: parseStagingSettings(root.staging, file) }),
  };
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

function identity(value: unknown, file: string): IdentitySettings {
  const settings = mapping(value, file, 'identity');
  known(settings, ['clusterName', 'roleARN', 'roleRef', 'roleName'], file, 'identity.');
  const clusterName = text(settings, 'clusterName', file, undefined, /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'the EKS cluster name', 'identity.');
  if ((settings.roleARN === undefined) === (settings.roleRef === undefined)) {
    throw new InputFileError(`${file}: identity needs exactly one of roleARN (the reader role's ARN) and roleRef (an ACK IAM Role in the models' namespace)`);
  }
  if (settings.roleARN !== undefined) {
    const roleARN = text(settings, 'roleARN', file, undefined, ROLE_ARN, 'an IAM role ARN such as arn:aws:iam::123456789012:role/model-reader', 'identity.');
    const roleName = ROLE_ARN.exec(roleARN)![1]!;
    if (settings.roleName !== undefined && settings.roleName !== roleName) {
      throw new InputFileError(`${file}: identity.roleName '${String(settings.roleName)}' is not the name in identity.roleARN ('${roleName}'); drop roleName`);
    }
    return { clusterName, roleARN, roleName };
  }
  return {
    clusterName,
    roleRef: text(settings, 'roleRef', file, undefined, DNS_SUBDOMAIN, 'the name of an ACK iam.services.k8s.aws Role', 'identity.'),
    roleName: text(settings, 'roleName', file, undefined, /^[\w+=,.@-]{1,64}$/, 'the IAM role name the ACK Role creates (the init check expects it)', 'identity.'),
  };
}

function gateway(value: unknown, file: string): GatewaySettings {
  const settings = mapping(value, file, 'gateway');
  known(settings, ['name', 'namespace', 'hostname', 'className'], file, 'gateway.');
  return {
    name: text(settings, 'name', file, undefined, DNS_SUBDOMAIN, 'the name of a Gateway', 'gateway.'),
    namespace: text(settings, 'namespace', file, undefined, DNS_LABEL, 'a namespace name (DNS label)', 'gateway.'),
    ...(settings.hostname === undefined ? {} : { hostname: text(settings, 'hostname', file, undefined, /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'a host name such as llm.example.com', 'gateway.') }),
    ...(settings.className === undefined ? {} : { className: text(settings, 'className', file, undefined, DNS_SUBDOMAIN, 'a GatewayClass name', 'gateway.') }),
  };
}

function monitoring(value: unknown, file: string): MonitoringSettings {
  const settings = mapping(value, file, 'monitoring');
  known(settings, ['podMonitor', 'engineMetrics', 'dashboard', 'dashboardNamespace'], file, 'monitoring.');
  const flag = (key: 'podMonitor' | 'engineMetrics' | 'dashboard'): boolean => {
    const flagValue = settings[key] ?? DEFAULT_SETTINGS.monitoring[key];
    if (typeof flagValue !== 'boolean') throw new InputFileError(`${file}: monitoring.${key} must be true or false`);
    return flagValue;
  };
  return {
    podMonitor: flag('podMonitor'),
    engineMetrics: flag('engineMetrics'),
    dashboard: flag('dashboard'),
    dashboardNamespace: text(settings, 'dashboardNamespace', file, DEFAULT_SETTINGS.monitoring.dashboardNamespace, DNS_LABEL, 'a namespace name (DNS label)', 'monitoring.'),
  };
}

function addon(addons: Record<string, unknown>, name: 'kuberay' | 'kro' | 'ackEks', file: string): AddonSettings {
  const settings = mapping(addons[name] ?? {}, file, `addons.${name}`);
  known(settings, ['manage', 'version'], file, `addons.${name}.`);
  const manage = settings.manage ?? true;
  if (typeof manage !== 'boolean') throw new InputFileError(`${file}: addons.${name}.manage must be true or false`);
  return {
    manage,
    version: text(settings, 'version', file, DEFAULT_SETTINGS.addons[name].version, /^\d+\.\d+\.\d+(-[\w.]+)?$/, 'a chart version such as 1.7.0', `addons.${name}.`),
  };
}

function mapping(value: unknown, file: string, what: string): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new InputFileError(`${file}: ${what} must be a mapping`);
}

function known(record: Record<string, unknown>, keys: readonly string[], file: string, prefix: string): void {
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) throw new InputFileError(`${file}: unknown setting '${prefix}${key}'; known: ${keys.map((k) => prefix + k).join(', ')}`);
  }
}

function text(record: Record<string, unknown>, key: string, file: string, fallback?: string, pattern?: RegExp, what?: string, prefix = ''): string {
  const value = record[key] ?? fallback;
  if (value === undefined) throw new InputFileError(`${file}: '${prefix}${key}' is required${what ? ` (${what})` : ''}`);
  if (typeof value !== 'string' || (pattern && !pattern.test(value))) {
    throw new InputFileError(`${file}: '${prefix}${key}' must be ${what ?? 'a string'}, not ${JSON.stringify(value)}`);
  }
  return value;
}
