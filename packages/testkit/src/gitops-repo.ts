import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';
import { tempDir } from './temp.js';

/** A person's identity for the commits tests make themselves (never the bot's). */
const PERSON = ['-c', 'user.name=Platform Engineer', '-c', 'user.email=platform@example.com', '-c', 'commit.gpgsign=false'];

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', [...PERSON, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
}

export interface GitopsRepo {
  readonly root: string;
  /** the bare "origin" */
  readonly bare: string;
  /** a clone of origin with main checked out, where rendering happens */
  readonly clone: string;
  readonly out: string;
  readonly catalog: string;
  /** another clone of origin, e.g. for a racing pusher */
  cloneAgain(name: string): string;
  remove(): Promise<void>;
}

/** A bare origin whose main holds the repository's catalog and render settings, and a clone of it to render in. */
export async function gitopsRepo(prefix: string): Promise<GitopsRepo> {
  const root = await tempDir(`${prefix}-`);
  const bare = join(root, 'origin.git');
  const clone = join(root, 'clone');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  git(root, 'init', '--quiet', '--initial-branch=main', clone);
  const out = join(clone, 'gitops');
  const catalog = join(out, 'models');
  await mkdir(out, { recursive: true });
  await cp(join(REPO_ROOT, 'gitops', 'models'), catalog, { recursive: true });
  await writeFile(join(out, 'render-settings.yaml'), 'repoURL: https://github.com/example-org/ray-gitops.git\n');
  git(clone, 'add', '--all');
  git(clone, 'commit', '--quiet', '-m', 'catalog');
  git(clone, 'remote', 'add', 'origin', bare);
  git(clone, 'push', '--quiet', '--set-upstream', 'origin', 'main');
  return {
    root,
    bare,
    clone,
    out,
    catalog,
    cloneAgain(name) {
      const dir = join(root, name);
      git(root, 'clone', '--quiet', bare, dir);
      return dir;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
