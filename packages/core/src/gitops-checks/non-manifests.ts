import { SETTINGS_FILE_NAME } from '../render/settings-file.js';

/**
 * Regular expressions for the files in a gitops tree that are not Kubernetes objects: the catalog
 * (checked by its own rules) and the render settings. Validators leave them out.
 */
export function nonManifestPatterns(outDir: string, catalogDir: string): string[] {
  const dir = (path: string) => escapeRegExp(path.replace(/^\.\//, '').replace(/\/+$/, ''));
  return [`^(\\./)?${dir(catalogDir)}/`, `^(\\./)?${dir(outDir)}/${escapeRegExp(SETTINGS_FILE_NAME)}$`];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
