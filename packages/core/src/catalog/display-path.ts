import * as path from 'node:path';

/**
 * How a file is named in diagnostics: relative to the working directory when it lies inside it (as a
 * person would type it, `gitops/models/x.yaml`), absolute otherwise.
 */
export function displayPath(file: string, cwd: string = process.cwd()): string {
  const absolute = path.resolve(cwd, file);
  const relative = path.relative(cwd, absolute);
  const outside = relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  return outside ? absolute : relative;
}
