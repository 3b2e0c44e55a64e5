import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { parseStagingSettings, type StagingSettings } from './staging-job.js';
import { GPU_NODE_LABEL_SCHEMES, type GpuNodeLabelScheme } from '../catalog/gpu-types.js';
import { InputFileError } from '../errors/errors.js';

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
  };
  /** in-cluster staging (catalog staging.where: cluster): the writer identity and the stager image */
  readonly staging?: StagingSettings;
}

export interface AddonSettings {
  readonly manage: boolean;
  /** Helm chart version; keep it in step with the CRDs the manifests are validated against */
  readonly version: string;
}

export const SETTINGS_FILE_NAME = 'render-settings.yaml';

/** Versions of the operators whose CRDs ../shared/crds holds: KubeRay v1.7.0, kro v0.9.3. */
export const DEFAULT_ADDON_VERSIONS = { kuberay: '1.7.0', kro: '0.9.3' } as const;

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
  },
};

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

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
  known(root, ['repoURL', 'targetRevision', 'path', 'namespace', 'region', 'gpuNodeLabels', 'argocd', 'addons', 'staging'], file, '');
  const repoURL = text(root, 'repoURL', file, undefined, /^(https:\/\/|ssh:\/\/|git@)\S+$/, 'an https://, ssh:// or git@ repository URL');
  const argocd = mapping(root.argocd ?? {}, file, 'argocd');
  known(argocd, ['namespace', 'project'], file, 'argocd.');
  const addons = mapping(root.addons ?? {}, file, 'addons');
  known(addons, ['kuberay', 'kro'], file, 'addons.');
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
    },
    ...(root.staging === undefined ? {} : { staging: parseStagingSettings(root.staging, file) }),
  };
}

function addon(addons: Record<string, unknown>, name: 'kuberay' | 'kro', file: string): AddonSettings {
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
