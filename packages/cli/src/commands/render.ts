import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_VERSIONS_FILE,
  formatDiagnostic,
  InputFileError,
  parseStagedModels,
  renderCatalog,
  SETTINGS_FILE_NAME,
  type StagedModel,
} from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const renderCommand: CommandDefinition = {
  path: ['render'],
  summary: 'Render the Kro RGD, one instance per model and the Argo CD apps into gitops/.',
  synopsis: '[--catalog DIR] [--out DIR] [--image REF] [--staged FILE] [--settings FILE] [--versions FILE] [--check]',
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
  },
  async run({ values, streams, reporter }) {
    const outDir = values.out as string;
    const check = values.check === true;
    const staged = typeof values.staged === 'string' ? await readStaged(values.staged) : undefined;
    const result = await renderCatalog({
      catalogDir: values.catalog as string,
      outDir,
      ...(typeof values.image === 'string' ? { image: values.image } : {}),
      ...(staged ? { staged } : {}),
      settingsFile: typeof values.settings === 'string' ? values.settings : join(outDir, SETTINGS_FILE_NAME),
      versionsFile: values.versions as string,
      check,
      reporter,
    });
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
    return ExitCode.ok;
  },
};

async function readStaged(file: string): Promise<Map<string, StagedModel>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputFileError(`cannot read the staged-prefix map '${file}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  return parseStagedModels(text, file);
}
