import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  cachedCrdFiles,
  commitRenderedTree,
  DEFAULT_VERSIONS_FILE,
  describeImageRef,
  formatDiagnostic,
  GITHUB_ACTIONS_BOT,
  loadStagedRecords,
  parseGitIdentity,
  renderCatalog,
  schemaCacheDir,
  type RenderCatalogResult,
  SETTINGS_FILE_NAME,
  UsageError,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const renderCommand: CommandDefinition = {
  path: ['render'],
  summary: 'Render the Kro RGD, one instance per model and the Argo CD apps into gitops/.',
  synopsis:
    '[--catalog DIR] [--out DIR] [--image REF] [--stager-image REF] [--staged FILE] [--settings FILE] [--versions FILE] [--check] [--format text|json] ' +
    "[--commit [--push [--crds DIR]…] [--remote NAME] [--branch NAME] [--author 'NAME <EMAIL>']]",
  options: {
    'catalog': { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
    'out': { type: 'string', value: 'DIR', default: 'gitops', description: 'output directory' },
    'image': {
      type: 'string',
      value: 'REF',
      description: 'Ray+vLLM image as repo@sha256:… (never :latest); default: keep the image of the previous render in --out',
    },
    'stager-image': {
      type: 'string',
      value: 'REF',
      description:
        'stager image (docker/stager) as repo@sha256:…, run by the in-cluster staging Jobs; default: staging.image of the settings, else keep the one of the previous render in --out',
    },
    'staged': { type: 'string', value: 'FILE', description: "where staging put the weights: prestage --json's output as it is (one record, a list, or an object keyed by model name)" },
    'settings': { type: 'string', value: 'FILE', description: `render settings (repoURL, namespace, region, …); default <out>/${SETTINGS_FILE_NAME}` },
    'versions': { type: 'string', value: 'FILE', default: DEFAULT_VERSIONS_FILE, description: "the image's versions; rayVersion comes from it" },
    'check': { type: 'boolean', description: 'write nothing; exit 1 and list the files that would change' },
    'commit': { type: 'boolean', description: 'commit the rendered files (only those) to the git repository holding --out; no commit when nothing changed' },
    'push': { type: 'boolean', description: 'with --commit (implied): push the commit, rebasing and retrying when the branch moved; never force-pushes' },
    'crds': {
      type: 'string',
      value: 'DIR',
      multiple: true,
      description:
        'with --push: the upstream CRDs (as validate --crds) a re-render is validated against when the branch moved before the push; ' +
        'without them, kinds with no schema are skipped in that validation',
    },
    'remote': { type: 'string', value: 'NAME', default: 'origin', description: 'remote to push to' },
    'branch': { type: 'string', value: 'NAME', description: 'branch to push to; default the checked-out branch' },
    'author': {
      type: 'string',
      value: "'NAME <EMAIL>'",
      description: `identity of the commit; default in GitHub Actions ${GITHUB_ACTIONS_BOT}, elsewhere the local git identity (git config user.name, user.email)`,
    },
    'format': { type: 'string', value: 'FORMAT', default: 'text', description: 'text (one line per changed file) or json (one document on stdout)' },
  },
  async run({ values, streams, reporter }) {
    const outDir = values.out as string;
    const check = values.check === true;
    const push = values.push === true;
    const commit = values.commit === true || push;
    if (check && commit) throw new UsageError('--check writes nothing, so it cannot be combined with --commit or --push');
    const format = values.format as string;
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
    const identity = commit
      ? typeof values.author === 'string'
        ? parseGitIdentity(values.author, '--author')
        : process.env.GITHUB_ACTIONS === 'true'
          ? parseGitIdentity(GITHUB_ACTIONS_BOT, 'the GitHub Actions identity')
          : localGitIdentity(outDir)
      : undefined;
    const staged = typeof values.staged === 'string' ? await loadStagedRecords(values.staged) : undefined;
    const renderOptions = {
      catalogDir: values.catalog as string,
      outDir,
      ...(typeof values.image === 'string' ? { image: values.image } : {}),
      ...(typeof values['stager-image'] === 'string' ? { stagerImage: values['stager-image'] } : {}),
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
    if (format === 'json') streams.stdout.write(`${JSON.stringify(renderDocument(result, outDir, check), null, 2)}\n`);
    else for (const change of plan!.changes) streams.stdout.write(`${change.kind} ${join(outDir, change.path)}\n`);
    const pending = tree!.models.filter((model) => model.placement.source === '').length;
    const image = `${describeImageRef(result.image!.ref)}${result.imageOrigin === 'previous-render' ? ' (kept)' : ''}`;
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
      // the re-render after a moved branch is validated like `validate`: given CRDs, then the schema cache
      const cacheDir = schemaCacheDir();
      const cached = push && (await cachedCrdFiles(cacheDir)).length > 0;
      const crds = [...((values.crds as string[] | undefined) ?? []), ...(cached ? [cacheDir] : [])];
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

/** What `render --format json` prints: the changes, every model with where its weights are, the image. */
function renderDocument(result: RenderCatalogResult, outDir: string, check: boolean): Record<string, unknown> {
  const { plan, tree } = result;
  return {
    out: outDir,
    check,
    upToDate: plan!.changes.length === 0,
    changes: plan!.changes.map((change) => ({ kind: change.kind, path: join(outDir, change.path) })),
    unchanged: plan!.unchanged,
    image: result.image!.ref,
    imageOrigin: result.imageOrigin,
    stagerImage: result.stagerImage?.ref ?? null,
    ...(result.stagerImageOrigin ? { stagerImageOrigin: result.stagerImageOrigin } : {}),
    models: tree!.models.map(({ name, placement, instancePath }) => ({
      name,
      instance: join(outDir, instancePath),
      staged: placement.source === '' ? null : { uri: placement.source, commit: placement.commit, manifestUri: placement.manifest, origin: placement.origin },
    })),
    warnings: tree!.warnings,
  };
}

/** `git config user.name` and `user.email` of the repository holding `outDir`, as `git commit` would use. */
function localGitIdentity(outDir: string): ReturnType<typeof parseGitIdentity> {
  let dir = outDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const config = (key: string) => {
    const git = spawnSync('git', ['-C', dir, 'config', '--get', key], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return git.status === 0 ? git.stdout.trim() : '';
  };
  const name = config('user.name');
  const email = config('user.email');
  if (name === '' || email === '') {
    throw new UsageError("--commit needs an author: set 'git config user.name' and 'git config user.email', or pass --author 'NAME <EMAIL>'");
  }
  return parseGitIdentity(`${name} <${email}>`, 'the local git identity (git config user.name, user.email)');
}
