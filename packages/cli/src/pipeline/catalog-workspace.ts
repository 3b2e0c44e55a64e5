import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputFileError, isCatalogFileName, listCatalogFiles } from '@ray-gitops/core';

/**
 * The catalog the pipeline renders: the entries of `catalogDir` plus `extra` ones (the sample), in a
 * directory of its own, so the committed catalog is never touched. Files are rewritten only when they
 * differ, and entries no longer wanted are removed.
 */
export async function prepareCatalogWorkspace(options: {
  readonly catalogDir: string;
  readonly workspaceDir: string;
  readonly extra: readonly { readonly name: string; readonly yaml: string }[];
}): Promise<void> {
  const wanted = new Map<string, string>();
  for (const file of await listCatalogFiles(options.catalogDir)) wanted.set(basename(file), await readFile(file, 'utf8'));
  for (const entry of options.extra) {
    const name = `${entry.name}.yaml`;
    if (wanted.has(name)) throw new InputFileError(`${options.catalogDir} already has ${name}, the name of the pipeline's sample entry; rename that entry`);
    wanted.set(name, entry.yaml);
  }
  await mkdir(options.workspaceDir, { recursive: true });
  for (const name of await readdir(options.workspaceDir)) {
    if (isCatalogFileName(name) && !wanted.has(name)) await rm(join(options.workspaceDir, name), { force: true });
  }
  for (const [name, text] of wanted) {
    const target = join(options.workspaceDir, name);
    if ((await readFile(target, 'utf8').catch(() => undefined)) !== text) await writeFile(target, text);
  }
}
