import { join } from 'node:path';
import {
  commitRenderedTree,
  DEFAULT_VERSIONS_FILE,
  formatDiagnostic,
  GITHUB_ACTIONS_BOT,
  loadStagedModels,
  parseGitIdentity,
  renderCatalog,
  SETTINGS_FILE_NAME,
  UsageError,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const renderCommand: CommandDefinition = {
  path: ['render'],
  summary: 'Render the Kro RGD, one instance per model and the Argo CD apps into gitops/.',
  synopsis:
    '[--catalog DIR] [--out DIR] [--image REF] [--staged FILE] [--settings FILE] [--versions FILE] [--check] ' +
    "[--commit [--push [--crds DIR]…] [--remote NAME] [--branch NAME] [--author 'NAME <EMAIL>']]",
  options: {
    catalog: { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
    out: { type: 'string', value: 'DIR', default: 'gitops', description: 'output directory' },
    image: {
      type: 'string',
      value: 'REF',
      description: 'Ray+vLLM image as repo@sha256:… (never :latest); default: keep the image of the previous render in --out',
    },
    staged: { type: 'string', value: 'FILE', description: "staged-prefix map: JSON by model name of prestage's results (uri, commit, manifestUri)" },
    settings: { type: 'string', value: 'FILE', description: `render settings (repoURL, namespace, region, …); default <out>/${SETTINGS_FILE_NAME}` },
    versions: { type: 'string', value: 'FILE', default: DEFAULT_VERSIONS_FILE, description: "the image's versions; rayVersion comes from it" },
    check: { type: 'boolean', description: 'write nothing; exit 1 and list the files that would change' },
    commit: { type: 'boolean', description: 'commit the rendered files (only those) to the git repository holding --out; no commit when nothing changed' },
    push: { type: 'boolean', description: 'with --commit (implied): push the commit, rebasing and retrying when the branch moved; never force-pushes' },
    crds: {
      type: 'string',
      value: 'DIR',
      multiple: true,
      description:
        'with --push: the upstream CRDs (as validate --crds) a re-render is validated against when the branch moved before the push; ' +
        'without them, kinds with no schema are skipped in that validation',
    },
    remote: { type: 'string', value: 'NAME', default: 'origin', description: 'remote to push to' },
    branch: { type: 'string', value: 'NAME', description: 'branch to push to; default the checked-out branch' },
    author: { type: 'string', value: "'NAME <EMAIL>'", default: GITHUB_ACTIONS_BOT, description: 'identity of the commit' },
  },
  async run({ values, streams, reporter }) {
    const outDir = values.out as string;
    const check = values.check === true;
    const push = values.push === true;
    const commit = values.commit === true || push;
    if (check && commit) throw new UsageError('--check writes nothing, so it cannot be combined with --commit or --push');
    const identity = commit ? parseGitIdentity(values.author as string, '--author') : undefined;
    const staged = typeof values.staged === 'string' ? await loadStagedModels(values.staged) : undefined;
    const renderOptions = {
      catalogDir: values.catalog as string,
      outDir,
      ...(typeof values.image === 'string' ? { image: values.image } : {}),
      ...(staged ? { staged } : {}),
      settingsFile: typeof values.settings === 'string' ? values.settings : join(outDir, SETTINGS_FILE_NAME),
      versionsFile: values.versions as string,
      reporter,
    };
    const result = await renderCatalog({ ...renderOptions, check });
    if (!result.ok) {
      for (const diagnostic of result.diagnostics) streams.stdout.write(`${formatDiagnostic(diagnostic)}\n`);
      reporter.error('the catalog has errors; nothing was rendered');
      return ExitCode.problemsFound;
    }
    const { plan, tree } = result;
    for (const change of plan!.changes) streams.stdout.write(`${change.kind} ${join(outDir, change.path)}\n`);
    const pending = tree!.models.filter((model) => model.placement.source === '').length;
    const image = result.imageOrigin === 'previous-render' ? `${result.image!.ref} (kept)` : result.image!.ref;
    if (check) {
      reporter.info(
        plan!.changes.length === 0
          ? `${outDir} is up to date (${tree!.files.length} files, ${tree!.models.length} model(s))`
          : `${plan!.changes.length} file(s) in ${outDir} are stale; run 'ray-gitops render' and commit the result`,
      );
      return plan!.changes.length === 0 ? ExitCode.ok : ExitCode.problemsFound;
    }
    reporter.info(
      `${outDir}: ${plan!.changes.length} file(s) written or deleted, ${plan!.unchanged} unchanged; ${tree!.models.length} model(s)` +
        `${pending > 0 ? `, ${pending} not staged yet` : ''}; image ${image}`,
    );
    if (identity) {
      const crds = (values.crds as string[] | undefined) ?? [];
      await commitRenderedTree(result, {
        outDir,
        identity,
        push,
        renderOptions,
        validation: { crds, ignoreMissingSchemas: crds.length === 0 },
        remote: values.remote as string,
        ...(typeof values.branch === 'string' ? { branch: values.branch } : {}),
        reporter,
      });
    }
    return ExitCode.ok;
  },
};
