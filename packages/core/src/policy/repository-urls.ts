// Which repoURLs mean "this repository": an Argo CD source in another repository cannot be checked
// against this checkout's files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where ray-gitops render keeps the repoURL it writes into the Applications (DESIGN.md: gitops/render-settings.yaml). */
const RENDER_SETTINGS = join('gitops', 'render-settings.yaml');

const known = new Map<string, ReadonlySet<string>>();

/**
 * The URLs this repository is known by: its git remotes and the repoURL the renderer writes into
 * the Applications. Empty when neither is known (then every source counts as this repository).
 */
export function repositoryUrls(repoRoot: string): ReadonlySet<string> {
  let urls = known.get(repoRoot);
  if (!urls) {
    const found = new Set<string>();
    try {
      const settings = readFileSync(join(repoRoot, RENDER_SETTINGS), 'utf8');
      const match = /^repoURL:[ \t]*["']?([^"'\s#]+)/m.exec(settings);
      if (match) found.add(normalizeRepoUrl(match[1]!));
    } catch {
      // no render settings: a repository that is not a ray-gitops tree
    }
    try {
      const remotes = execFileSync('git', ['-C', repoRoot, 'remote', '-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      for (const line of remotes.split('\n')) {
        const url = line.split(/\s+/)[1];
        if (url) found.add(normalizeRepoUrl(url));
      }
    } catch {
      // not a git checkout, or no git: the render settings alone decide
    }
    urls = found;
    known.set(repoRoot, urls);
  }
  return urls;
}

/** `https://github.com/Org/Repo.git`, `git@github.com:Org/Repo`, `ssh://git@github.com/Org/Repo/` → `github.com/org/repo`. */
export function normalizeRepoUrl(url: string): string {
  let text = url.trim().toLowerCase();
  text = text.replace(/^[a-z+]+:\/\//, '').replace(/^[^@/]+@/, '');
  text = text.replace(/^([^/:]+):(?!\d)/, '$1/');
  return text.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/**
 * Whether a source's repoURL points somewhere else: a URL that is none of this repository's, or one
 * an ApplicationSet generator fills in. No repoURL, or nothing known about this repository: not foreign.
 */
export function isForeignRepository(repoURL: unknown, repoRoot: string): boolean {
  if (typeof repoURL !== 'string' || repoURL === '') return false;
  if (repoURL.includes('{{')) return true;
  const urls = repositoryUrls(repoRoot);
  return urls.size > 0 && !urls.has(normalizeRepoUrl(repoURL));
}
