import { checkCatalog, checkCatalogFit, formatDiagnostic, hubMetadataSource, sortDiagnostics, UsageError } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

export const catalogCheckCommand: CommandDefinition = {
  path: ['catalog', 'check'],
  summary: 'Check every model entry in the catalog: schema, names, sources, GPU requests, and (with --fit) whether it fits.',
  synopsis: '[--catalog DIR] [--fit] [--format text|json]',
  options: {
    catalog: { type: 'string', value: 'DIR', default: 'gitops/models', description: 'catalog directory' },
    fit: {
      type: 'boolean',
      description: 'also check that weights and KV cache fit the GPUs asked for, from the Hub\'s config.json (HF_ENDPOINT, HF_TOKEN; needs network)',
    },
    format: { type: 'string', value: 'FORMAT', default: 'text', description: 'text (FILE:LINE:COL: message lines) or json (one document on stdout)' },
  },
  async run({ values, streams, reporter }) {
    const dir = values.catalog as string;
    const format = values.format as string;
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
    const result = await checkCatalog(dir);
    const fitFindings = values.fit === true ? await checkCatalogFit(result.entries, hubMetadataSource()) : [];
    const diagnostics = sortDiagnostics([...result.diagnostics, ...fitFindings]);
    if (format === 'json') {
      const document = {
        catalog: dir,
        files: result.files.length,
        valid: result.entries.length,
        errors: diagnostics.filter((d) => d.severity === 'error').length,
        warnings: diagnostics.filter((d) => d.severity === 'warning').length,
        models: result.entries.map(({ file, entry }) => ({ name: entry.name, file })),
        diagnostics: diagnostics.map(({ severity, location, message, code }) => ({ ...location, severity, code, message })),
      };
      streams.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    } else {
      for (const diagnostic of diagnostics) streams.stdout.write(`${formatDiagnostic(diagnostic)}\n`);
    }

    if (result.files.length === 0) {
      reporter.warning(`no catalog entries (*.yaml) found in ${dir}`);
      return ExitCode.ok;
    }
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    reporter.info(`${dir}: ${result.files.length} file(s), ${result.entries.length} valid, ${errors} error(s)`);
    return errors > 0 ? ExitCode.problemsFound : ExitCode.ok;
  },
};
