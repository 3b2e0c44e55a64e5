import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The repository the command works on: the nearest folder at or above the working directory that
 * holds gitops/render-settings.yaml (a ray-gitops repository), else the working directory. This is
 * what lets `npx ray-gitops validate` run from any subfolder, as git does.
 */
export function repositoryRoot(from: string = process.cwd()): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'gitops', 'render-settings.yaml'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

/** `path` as a person at the working directory would type it: relative when inside, else absolute. */
export function shownPath(path: string, from: string = process.cwd()): string {
  const shown = relative(from, path);
  return shown === '' ? '.' : shown.startsWith('..') ? path : shown;
}
