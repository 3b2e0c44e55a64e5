import { readFile } from 'node:fs/promises';
import { loadModelMetadataFromHub, type HubOptions, type ModelMetadata } from './metadata.js';
import { describeMisfit, fitCatalogEntry } from './report.js';
import type { CatalogEntry } from '../catalog/check-catalog.js';
import { locateFinding } from '../catalog/yaml-locate.js';
import { readYamlMapping } from '../catalog/yaml-reader.js';
import { RayGitopsError } from '../errors/errors.js';
import type { Diagnostic } from '../report/diagnostic.js';

/** Where the fit check gets a model's metadata; undefined when there is none to be had. */
export type ModelMetadataSource = (entry: CatalogEntry) => Promise<ModelMetadata | undefined>;

/** Metadata from the Hugging Face Hub for Hub sources (HF_ENDPOINT, HF_TOKEN); other sources have none until staged. */
export function hubMetadataSource(options: HubOptions = {}): ModelMetadataSource {
  return async ({ entry }) => {
    if (entry.source.kind !== 'huggingface') return undefined;
    return loadModelMetadataFromHub(`${entry.source.repo}@${entry.source.revision}`, options);
  };
}

/**
 * The fit check `catalog check` runs when metadata is available: one error per entry that does not fit,
 * at its `serving.maxModelLen` (or `serving.gpu.count` when more GPUs is the fix), saying what would.
 * Metadata that cannot be had (gated model, no network) is a warning on the entry, not an error.
 */
export async function checkCatalogFit(entries: readonly CatalogEntry[], source: ModelMetadataSource): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const item of entries) {
    let metadata: ModelMetadata | undefined;
    try {
      metadata = await source(item);
    } catch (error) {
      if (!(error instanceof RayGitopsError)) throw error;
      diagnostics.push({
        severity: 'warning',
        code: 'catalog/fit-unknown',
        message: `cannot check that ${item.entry.name} fits: ${error.message}`,
        location: await locate(item.file, ['source']),
      });
      continue;
    }
    if (!metadata) continue;
    const verdict = fitCatalogEntry(item.entry, metadata);
    if (verdict.fits) continue;
    const path = verdict.smallestCount !== undefined && verdict.largestMaxModelLen === undefined ? ['serving', 'gpu', 'count'] : ['serving', 'maxModelLen'];
    diagnostics.push({ severity: 'error', code: 'catalog/does-not-fit', message: `${metadata.label} ${describeMisfit(verdict)}`, location: await locate(item.file, path) });
  }
  return diagnostics;
}

async function locate(file: string, path: string[]): Promise<Diagnostic['location']> {
  try {
    const read = readYamlMapping(await readFile(file, 'utf8'), file);
    if (read.ok) return locateFinding(read.parsed, { path, at: 'value' });
  } catch {
    // fall through to the top of the file
  }
  return { file, line: 1, column: 1 };
}
