import { existsSync } from 'node:fs';
import { join } from 'node:path';
// the areas validate needs, not the whole of core: this command is run often and on large trees
import { UsageError } from '@ray-gitops/core/errors';
import { gitopsChecks, nonManifestPatterns } from '@ray-gitops/core/gitops-checks';
import { parseFeatureGates } from '@ray-gitops/core/kuberay';
import {
  BUILTIN_LOCATION,
  cachedCrdFiles,
  createResultReporter,
  missingUpstreamCrds,
  OUTPUT_FORMATS,
  PARALLEL_MIN_FILES,
  schemaCacheDir,
  summaryLine,
  validateManifests,
} from '@ray-gitops/core/validate';
import { ExitCode, type CommandDefinition } from '../command.js';
import { defaultPath, repositoryRoot } from '../repository.js';

/** Where `ray-gitops validate` looks when no PATH is given: the rendered tree Argo CD syncs (from the repository root). */
const DEFAULT_PATH = 'gitops';

/** The catalog inside it, checked by `catalog check`, never validated as manifests. */
const CATALOG_IN_TREE = 'models';

/** The repository's own rendered RGD: the schema of its LLMService instances. */
const PLATFORM_IN_TREE = 'platform';

export const validateCommand: CommandDefinition = {
  path: ['validate'],
  summary: 'Validate manifests against real schemas (Kubernetes, KubeRay, kro, Argo CD) and GPU-workload policy.',
  synopsis:
    '[PATH…] [--crds DIR]… [--schema-location TEMPLATE]… [--strict] [--no-policy] [--disable-rule ID]… [--kuberay-feature-gates GATES] [--previous REF] [--repo-root DIR] [--ignore-missing-schemas] [--workers N] [--format FORMAT]',
  positionals: 'PATH',
  options: {
    'crds': {
      type: 'string',
      multiple: true,
      value: 'DIR',
      description:
        "CRD YAML file or directory to take schemas from, before the schema cache ('ray-gitops schemas fetch') and the repository's gitops/platform, which are always read",
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
    'kuberay-feature-gates': {
      type: 'string',
      value: 'GATES',
      description: "the KubeRay operator's --feature-gates (Name=true,…) that the kuberay/* rules assume; default: KubeRay v1.7.0's defaults",
    },
    'previous': {
      type: 'string',
      value: 'REF',
      description:
        'git revision to compare with (the PR check passes the merge base): CEL transition rules (oldSelf) and breaking kro RGD schema changes are checked against each object\'s version at REF',
    },
    'repo-root': { type: 'string', value: 'DIR', description: 'repository root that Argo CD source paths are resolved against (default: the git repository holding the current directory)' },
    'ignore-missing-schemas': { type: 'boolean', description: 'skip resources whose kind has no schema instead of failing' },
    'workers': {
      type: 'string',
      value: 'N',
      description: `worker threads that parse and validate beside the main thread: 0 = none; default: from ${PARALLEL_MIN_FILES} files up, one per core beyond two (at most 4)`,
    },
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
    const tree = defaultPath(DEFAULT_PATH);
    const paths = positionals.length > 0 ? [...positionals] : [tree];
    const strings = (name: string) => (values[name] as string[] | undefined) ?? [];
    // the schema cache and the repository's rendered RGD come after any --crds, so those win
    const cacheDir = schemaCacheDir();
    const cached = (await cachedCrdFiles(cacheDir)).length > 0;
    const platform = join(tree, PLATFORM_IN_TREE);
    const crds = [...strings('crds'), ...(cached ? [cacheDir] : []), ...(existsSync(platform) ? [platform] : [])];

    const workers = typeof values.workers === 'string' ? workerThreads(values.workers) : undefined;
    const summary = await validateManifests({
      paths,
      crds,
      schemaLocations: strings('schema-location'),
      strict: values.strict === true,
      ignoreMissingSchemas: values['ignore-missing-schemas'] === true,
      kubernetesVersion: values['kubernetes-version'] as string,
      ...(typeof values.cache === 'string' ? { cacheDir: values.cache } : {}),
      skipKinds: strings('skip'),
      rejectKinds: strings('reject'),
      // the catalog and the render settings sit in the gitops tree but are not Kubernetes objects
      ignoreFilenamePatterns: [...nonManifestPatterns(tree, join(tree, CATALOG_IN_TREE)), ...strings('ignore-filename-pattern')],
      checks: gitopsChecks({
        policy: values['no-policy'] !== true,
        ...(typeof values['kuberay-feature-gates'] === 'string' ? { kuberayFeatureGates: parseFeatureGates(values['kuberay-feature-gates']) } : {}),
      }),
      disabledRules: strings('disable-rule'),
      repoRoot: typeof values['repo-root'] === 'string' ? values['repo-root'] : repositoryRoot(),
      ...(typeof values.previous === 'string' ? { previous: values.previous } : {}),
      reporters: [output],
      ...(workers !== undefined ? { workers } : {}),
      ...(paths.includes('-') ? { stdin: process.stdin } : {}),
    });

    // text and github put the summary on stdout already; the machine formats keep stdout pure
    if (format !== 'text' && format !== 'github') reporter.info(summaryLine(summary));
    // a missing schema is an error result: name the command that fills the cache, once, when it would have helped
    if (summary.errors > 0 && strings('crds').length === 0) {
      const missing = await missingUpstreamCrds(cacheDir);
      if (missing.length > 0) {
        const what = cached ? `lacks ${missing.map((crd) => crd.kind).join(', ')}` : 'is empty, so KubeRay, kro, Argo CD and the other upstream kinds have no schema';
        reporter.warning(`the schema cache ${cacheDir} ${what}: run 'ray-gitops schemas fetch' (offline: 'ray-gitops schemas import DIR')`);
      }
    }
    return summary.ok ? ExitCode.ok : ExitCode.problemsFound;
  },
};

function workerThreads(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 64) throw new UsageError(`--workers must be a whole number from 0 to 64, not '${text}'`);
  return Number(text);
}
