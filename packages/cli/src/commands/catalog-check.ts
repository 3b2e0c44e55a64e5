import { checkCatalog, formatDiagnostic } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const catalogCheckCommand: CommandDefinition = {
  path: ['catalog', 'check'],
  summary: 'Check every model entry in the catalog: schema, names, sources, GPU requests.',
  synopsis: '[--catalog DIR]',
  options: {
    catalog: { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
  },
  async run({ values, streams, reporter }) {
    const dir = values.catalog as string;
    const result = await checkCatalog(dir);
    for (const diagnostic of result.diagnostics) streams.stdout.write(`${formatDiagnostic(diagnostic)}\n`);

    if (result.files.length === 0) {
      reporter.warning(`no catalog entries (*.yaml) found in ${dir}`);
      return ExitCode.ok;
    }
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    reporter.info(`${dir}: ${result.files.length} file(s), ${result.entries.length} valid, ${errors} error(s)`);
    return errors > 0 ? ExitCode.problemsFound : ExitCode.ok;
  },
};
