import { join } from 'node:path';
import { bumpRay, DEFAULT_VERSIONS_FILE, dockerConfigCredentials, formatDiagnostic, renderCatalog, SETTINGS_FILE_NAME, UsageError } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const bumpCommand: CommandDefinition = {
  path: ['bump'],
  summary: 'Move Ray, the ray-llm base image tag and vLLM together: pin the new tag by digest, re-render, print what changed.',
  synopsis: '--ray X.Y.Z [--vllm X.Y.Z] [--versions FILE] [--catalog DIR] [--out DIR] [--settings FILE]',
  options: {
    ray: { type: 'string', value: 'X.Y.Z', description: 'the Ray release to move to' },
    vllm: { type: 'string', value: 'X.Y.Z', description: "the vLLM that release's image ships; default from ray-gitops' table of releases" },
    versions: { type: 'string', value: 'FILE', default: DEFAULT_VERSIONS_FILE, description: 'versions file to update' },
    catalog: { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory of the re-render' },
    out: { type: 'string', value: 'DIR', default: 'gitops', description: 'rendered tree to update (rayVersion follows Ray)' },
    settings: { type: 'string', value: 'FILE', description: `render settings; default <out>/${SETTINGS_FILE_NAME}` },
  },
  async run({ values, streams, reporter }) {
    if (typeof values.ray !== 'string') throw new UsageError('--ray X.Y.Z is required: the Ray release to move to');
    const versionsFile = values.versions as string;
    const outDir = values.out as string;
    const bump = await bumpRay(versionsFile, {
      ray: values.ray,
      ...(typeof values.vllm === 'string' ? { vllm: values.vllm } : {}),
      credentials: dockerConfigCredentials(process.env),
      reporter,
    });
    const keys = ['ray', 'vllm', 'python', 'cuda', 'baseImage'] as const;
    const changed = keys.filter((key) => bump.before[key] !== bump.after[key]);
    for (const key of changed) streams.stdout.write(`${versionsFile}: ${key} ${bump.before[key]} → ${bump.after[key]}\n`);
    if (changed.length === 0) streams.stdout.write(`${versionsFile}: already at Ray ${bump.after.ray} with ${bump.after.baseImage}\n`);

    const render = await renderCatalog({
      catalogDir: values.catalog as string,
      outDir,
      settingsFile: typeof values.settings === 'string' ? values.settings : join(outDir, SETTINGS_FILE_NAME),
      versionsFile,
      reporter,
    });
    if (!render.ok) {
      for (const diagnostic of render.diagnostics) streams.stdout.write(`${formatDiagnostic(diagnostic)}\n`);
      reporter.error(`${versionsFile} was updated, but the catalog has errors, so ${outDir} was not re-rendered; fix them and run 'ray-gitops render'`);
      return ExitCode.problemsFound;
    }
    for (const change of render.plan!.changes) streams.stdout.write(`${change.kind} ${join(outDir, change.path)}\n`);
    reporter.info(`${outDir}: ${render.plan!.changes.length} file(s) re-rendered for Ray ${bump.after.ray}; the next deploy builds the image from the new base`);
    return ExitCode.ok;
  },
};
