import { fetchUpstreamCrds, importCrds, SCHEMAS_BASE_URL_ENV, schemaCacheDir, UsageError, type CacheFill } from '@ray-gitops/core';
import { ExitCode, type CommandDefinition } from '../command.js';

const CACHE_HELP = 'the schema cache: schemas/ in $RAY_GITOPS_CACHE_DIR, else in $XDG_CACHE_HOME/ray-gitops, else in ~/.cache/ray-gitops';

export const schemasFetchCommand: CommandDefinition = {
  path: ['schemas', 'fetch'],
  summary: 'Download the upstream CRDs validate needs (KubeRay, kro, Argo CD, ACK EKS, Gateway API, prometheus-operator) from their pinned release URLs into the schema cache, checking each sha256.',
  synopsis: '[--cache-dir DIR]',
  options: {
    'cache-dir': { type: 'string', value: 'DIR', description: `where to keep them; default ${CACHE_HELP}` },
  },
  async run({ values, streams, reporter }) {
    const cacheDir = typeof values['cache-dir'] === 'string' ? values['cache-dir'] : schemaCacheDir();
    const baseUrl = process.env[SCHEMAS_BASE_URL_ENV] || undefined;
    if (baseUrl) reporter.info(`fetching from the mirror ${baseUrl} (${SCHEMAS_BASE_URL_ENV}); each file's sha256 is still checked`);
    const fill = await fetchUpstreamCrds({ cacheDir, ...(baseUrl ? { baseUrl } : {}), reporter });
    const failed = fill.failures.length > 0 ? `; ${fill.failures.length} failed (above), the rest are cached` : '';
    reporter.info(`${cacheDir}: ${fill.written.length} downloaded, ${fill.unchanged.length} already there${failed}`);
    return finish(fill, cacheDir, streams.stdout);
  },
};

export const schemasImportCommand: CommandDefinition = {
  path: ['schemas', 'import'],
  summary: 'Fill the schema cache from a local folder of CRD files (air-gapped machines): pinned files must match their sha256, other CRDs are imported as they are.',
  synopsis: 'DIR [--cache-dir DIR]',
  positionals: 'DIR',
  options: {
    'cache-dir': { type: 'string', value: 'DIR', description: `where to keep them; default ${CACHE_HELP}` },
  },
  async run({ values, positionals, streams, reporter }) {
    if (positionals.length !== 1) throw new UsageError(`give one folder of CRD files${positionals.length > 1 ? `, not ${positionals.length}` : ''}, e.g. 'ray-gitops schemas import ./crds'`);
    const cacheDir = typeof values['cache-dir'] === 'string' ? values['cache-dir'] : schemaCacheDir();
    const fill = await importCrds(positionals[0]!, { cacheDir, reporter });
    return finish(fill, cacheDir, streams.stdout);
  },
};

/** stdout lists the files written, one a line; the exit code says whether every file was right. */
function finish(fill: CacheFill, cacheDir: string, stdout: { write(text: string): unknown }): number {
  for (const file of fill.written) stdout.write(`${cacheDir}/${file}\n`);
  return fill.failures.length === 0 ? ExitCode.ok : ExitCode.problemsFound;
}
