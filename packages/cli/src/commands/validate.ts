import {
  BUILTIN_LOCATION,
  createResultReporter,
  DEFAULT_CHECKS,
  OUTPUT_FORMATS,
  summaryLine,
  validateManifests,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

/** Where `ray-gitops validate` looks when no PATH is given: the rendered tree Argo CD syncs. */
const DEFAULT_PATH = 'gitops';

/** The id the GPU-workload policy stage registers its check under (`--no-policy` leaves it out). */
const POLICY_CHECK_ID = 'policy';

export const validateCommand: CommandDefinition = {
  path: ['validate'],
  summary: 'Validate manifests against real schemas (Kubernetes, KubeRay, kro, Argo CD) and GPU-workload policy.',
  synopsis:
    '[PATH…] [--crds DIR]… [--schema-location TEMPLATE]… [--strict] [--no-policy] [--ignore-missing-schemas] [--format FORMAT]',
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
    'no-policy': { type: 'boolean', description: 'skip the GPU-workload policy rules' },
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
    const output = createResultReporter(format, streams.stdout, { verbose: values.verbose === true });
    const paths = positionals.length > 0 ? [...positionals] : [DEFAULT_PATH];
    const strings = (name: string) => (values[name] as string[] | undefined) ?? [];
    const checks = values['no-policy'] === true ? DEFAULT_CHECKS.filter((check) => check.id !== POLICY_CHECK_ID) : DEFAULT_CHECKS;

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
      ignoreFilenamePatterns: strings('ignore-filename-pattern'),
      checks,
      reporters: [output],
      ...(paths.includes('-') ? { stdin: process.stdin } : {}),
    });

    // text and github put the summary on stdout already; the machine formats keep stdout pure
    if (format !== 'text' && format !== 'github') reporter.info(summaryLine(summary));
    return summary.ok ? ExitCode.ok : ExitCode.problemsFound;
  },
};
