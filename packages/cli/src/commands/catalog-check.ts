import { checkCatalog, checkCatalogFit, formatDiagnostic, hubMetadataSource, sortDiagnostics } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const catalogCheckCommand: CommandDefinition = {
  path: ['catalog', 'check'],
  summary: 'Check every model entry in the catalog: schema, names, sources, GPU requests, and (with --fit) whether it fits.',
  synopsis: '[--catalog DIR] [--fit]',
  options: {
    catalog: { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
    fit: {
      type: 'boolean',
      description: 'also check that weights and KV cache fit the GPUs asked for, from the Hub\'s config.json (HF_ENDPOINT, HF_TOKEN; needs network)',
    },
  },
  async run({ values, streams, reporter }) {
    const dir = values.catalog as string;
    const result = await checkCatalog(dir);
    const fitFindings = values.fit === true ? await checkCatalogFit(result.entries, hubMetadataSource()) : [];
    const diagnostics = sortDiagnostics([...result.diagnostics, ...fitFindings]);
    for (const diagnostic of diagnostics) streams.stdout.write(`${formatDiagnostic(diagnostic)}\n`);

    if (result.files.length === 0) {
      reporter.warning(`no catalog entries (*.yaml) found in ${dir}`);
      return ExitCode.ok;
    }
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    reporter.info(`${dir}: ${result.files.length} file(s), ${result.entries.length} valid, ${errors} error(s)`);
    return errors > 0 ? ExitCode.problemsFound : ExitCode.ok;
  },
};
