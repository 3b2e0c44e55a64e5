import {
  BUILTIN_LOCATION,
  createResultReporter,
  gitopsChecks,
  nonManifestPatterns,
  OUTPUT_FORMATS,
  summaryLine,
  validateManifests,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

/** Where `ray-gitops validate` looks when no PATH is given: the rendered tree Argo CD syncs. */
const DEFAULT_PATH = 'gitops';

/** The catalog inside it, checked by `catalog check`, never validated as manifests. */
const DEFAULT_CATALOG = 'gitops/models';

export const validateCommand: CommandDefinition = {
  path: ['validate'],
  summary: 'Validate manifests against real schemas (Kubernetes, KubeRay, kro, Argo CD) and GPU-workload policy.',
  synopsis:
    '[PATH…] [--crds DIR]… [--schema-location TEMPLATE]… [--strict] [--no-policy] [--disable-rule ID]… [--repo-root DIR] [--ignore-missing-schemas] [--format FORMAT]',
  positionals: 'PATH',
  options: {
    'crds': {
      type: 'string',
      multiple: true,
      value: 'DIR',
      description:
        'CRD YAML file or directory to take schemas from (none by default; the repository\'s workflows pass the KubeRay, kro and Argo CD CRDs)',
    },
    'schema-location': {
      type: 'string',
      multiple: true,
      value: 'TEMPLATE',
      description:
        `kubeconform-style schema location, tried in order after --crds: a path or URL with {{ .Group }} {{ .ResourceKind }} {{ .ResourceAPIVersion }} {{ .KubernetesVersion }} {{ .NormalizedKubernetesVersion }} {{ .StrictSuffix }} {{ .KindSuffix }}; '${BUILTIN_LOCATION}' = the bundled Kubernetes schemas (the default when none is given), 'default' = kubeconform's URL`,
    },
    'strict': { type: 'boolean', description: 'reject unknown fields and duplicate keys' },
    'no-policy': { type: 'boolean', description: 'skip the GPU-workload policy rules (policy/*); the kro and Argo CD checks still run' },
    'disable-rule': {
      type: 'string',
      multiple: true,
      value: 'ID',
      description:
        "switch a check rule off everywhere: an id (policy/image-digest), its short name (image-digest) or a prefix (policy, kro, argocd); per file: a '# ray-gitops:disable ID,…' comment; per resource or RGD template: the ray-gitops.io/disable-rules annotation",
    },
    'repo-root': { type: 'string', value: 'DIR', description: 'repository root that Argo CD source paths are resolved against (default: the current directory)' },
    'ignore-missing-schemas': { type: 'boolean', description: 'skip resources whose kind has no schema instead of failing' },
    'format': { type: 'string', value: 'FORMAT', default: 'text', description: OUTPUT_FORMATS.join(' | ') },
    'kubernetes-version': {
      type: 'string',
      value: 'VERSION',
      default: 'master',
      description: 'fills {{ .KubernetesVersion }} in schema locations: master or x.y.z',
    },
    'cache': { type: 'string', value: 'DIR', description: 'cache downloaded schemas here, one file per URL (sha256 of the URL), as kubeconform' },
    'skip': { type: 'string', multiple: true, value: 'KIND', description: 'Kind or apiVersion/Kind not to validate (reported as skipped)' },
    'reject': { type: 'string', multiple: true, value: 'KIND', description: 'Kind or apiVersion/Kind that must not appear' },
    'ignore-filename-pattern': { type: 'string', multiple: true, value: 'REGEXP', description: 'leave out files whose path matches' },
    'verbose': { type: 'boolean', description: 'also list valid and skipped resources (text, json)' },
  },
  async run({ values, positionals, streams, reporter }) {
    const format = values.format as string;
    const sink = format === 'github' ? (streams.workflowCommands ?? streams.stdout) : streams.stdout;
    const output = createResultReporter(format, sink, { verbose: values.verbose === true });
    const paths = positionals.length > 0 ? [...positionals] : [DEFAULT_PATH];
    const strings = (name: string) => (values[name] as string[] | undefined) ?? [];

    const summary = await validateManifests({
      paths,
      crds: strings('crds'),
      schemaLocations: strings('schema-location'),
      strict: values.strict === true,
      ignoreMissingSchemas: values['ignore-missing-schemas'] === true,
      kubernetesVersion: values['kubernetes-version'] as string,
      ...(typeof values.cache === 'string' ? { cacheDir: values.cache } : {}),
      skipKinds: strings('skip'),
      rejectKinds: strings('reject'),
      // the catalog and the render settings sit in the gitops tree but are not Kubernetes objects
      ignoreFilenamePatterns: [...nonManifestPatterns(DEFAULT_PATH, DEFAULT_CATALOG), ...strings('ignore-filename-pattern')],
      checks: gitopsChecks({ policy: values['no-policy'] !== true }),
      disabledRules: strings('disable-rule'),
      ...(typeof values['repo-root'] === 'string' ? { repoRoot: values['repo-root'] } : {}),
      reporters: [output],
      ...(paths.includes('-') ? { stdin: process.stdin } : {}),
    });

    // text and github put the summary on stdout already; the machine formats keep stdout pure
    if (format !== 'text' && format !== 'github') reporter.info(summaryLine(summary));
    return summary.ok ? ExitCode.ok : ExitCode.problemsFound;
  },
};
