import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const roots = new Map<string, string>();

/**
 * The repository the command works on, found from `cwd`: git's top level, else the nearest folder up
 * whose package.json declares npm workspaces (a checkout without .git), else `cwd` itself.
 */
export function repositoryRoot(cwd: string = process.cwd()): string {
  const known = roots.get(cwd);
  if (known !== undefined) return known;
  const root = gitTopLevel(cwd) ?? workspaceRoot(cwd) ?? realpathSync(cwd);
  roots.set(cwd, root);
  return root;
}

/**
 * A default path (relative to the repository root) as seen from `cwd`, so `ray-gitops render` in
 * packages/cli still reads ../../gitops/models, and from the root prints plain `gitops/models`.
 */
export function defaultPath(pathInRepository: string, cwd: string = process.cwd()): string {
  // relative to the real cwd: git reports the top level with symlinks resolved
  return relative(realpathSync(cwd), join(repositoryRoot(cwd), pathInRepository)) || '.';
}

function gitTopLevel(cwd: string): string | undefined {
  const git = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const top = git.status === 0 ? git.stdout.trim() : '';
  return top === '' ? undefined : top;
}

function workspaceRoot(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && hasWorkspaces(manifest)) return realpathSync(dir);
    if (dirname(dir) === dir) return undefined;
  }
}

function hasWorkspaces(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces !== undefined;
  } catch {
    return false;
  }
}
