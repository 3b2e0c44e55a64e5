import { basename, join } from 'node:path';
import { listCatalogFiles } from '../catalog/check-catalog.js';
import { loadModelEntry } from '../catalog/load-model-entry.js';
import type { ModelEntry } from '../catalog/model-entry.js';
import { UsageError } from '../errors/errors.js';
import { readPreviousRender } from '../render/previous.js';
import { awaitsStaging } from '../render/staged.js';

/**
 * Which catalog entries a staging run covers: names separated by commas or white space, `all` (every
 * entry), or `pending` (every entry the rendered tree in outDir records no staged weights for: new
 * models and changed sources).
 */
export async function selectCatalogModels(
  request: string,
  catalogDir: string,
  outDir: string,
  loadEntry: (catalogDir: string, name: string) => Promise<ModelEntry> = loadCatalogEntry,
): Promise<string[]> {
  const words = request.split(/[\s,]+/).filter((word) => word !== '');
  if (words.length === 1 && (words[0] === 'all' || words[0] === 'pending')) {
    const names = (await listCatalogFiles(catalogDir)).map((file) => basename(file).replace(/\.ya?ml$/, ''));
    if (words[0] === 'all') return names;
    const previous = await readPreviousRender(outDir);
    const pending: string[] = [];
    for (const name of names) {
      if (awaitsStaging(await loadEntry(catalogDir, name), previous.placements.get(name))) pending.push(name);
    }
    return pending;
  }
  const invalid = words.filter((word) => !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(word));
  if (invalid.length > 0 || words.length === 0) {
    throw new UsageError(`name catalog entries (lowercase DNS labels) separated by commas, or 'all', or 'pending'${invalid.length > 0 ? `; not ${invalid.map((word) => `'${word}'`).join(', ')}` : ''}`);
  }
  return [...new Set(words)];
}

/** The entry `<catalogDir>/<name>.yaml`, or a usage error naming the file and its problems. */
export async function loadCatalogEntry(catalogDir: string, name: string): Promise<ModelEntry> {
  const file = join(catalogDir, `${name}.yaml`);
  const loaded = await loadModelEntry(file);
  if (!loaded.entry) throw new UsageError(`the catalog entry ${file} has problems: ${loaded.diagnostics.map((d) => d.message).join('; ')}; run 'ray-gitops catalog check'`);
  return loaded.entry;
}
