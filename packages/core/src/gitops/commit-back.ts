import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CommitBackConflictError, GitCommandError, PushRejectedError, PushRetriesExhaustedError } from './errors.js';
import { Git, type GitIdentity } from './git.js';
import { UsageError } from '../errors/index.js';
import { silentReporter, type Reporter } from '../report/index.js';

// enough for a handful of pipelines pushing to one branch at the same moment
const DEFAULT_PUSH_ATTEMPTS = 10;

interface CommitBackOptions {
  /** any directory inside the working tree */
  readonly repoDir: string;
  /** files or directories to commit (absolute, or relative to repoDir); nothing outside them is committed */
  readonly paths: readonly string[];
  readonly identity: GitIdentity;
  readonly message: string;
  /** push the commit (rebasing onto the remote branch when it moved); default false */
  readonly push?: boolean;
  /** default 'origin' */
  readonly remote?: string;
  /** the remote branch to push to; default the checked-out branch */
  readonly branch?: string;
  /** push attempts in all, each after a rebase onto the moved branch; default 10 */
  readonly maxAttempts?: number;
  /** base pause before a retry, grown per attempt with jitter; default 250 ms */
  readonly retryDelayMs?: number;
  /**
   * Called after every rebase onto the moved branch, in the rebased working tree, before the next push:
   * it makes the files right for the new tip (renders again from its catalog and previous render, and
   * validates the result) and returns what to commit now. Throwing stops the commit-back with nothing
   * pushed. Without it, the rebased commit is pushed as it is.
   */
  readonly onRebased?: () => Promise<RebasedContent>;
  /** a token for the fetch and push, sent as an HTTP header through the environment, never written to any git config */
  readonly token?: string;
  readonly reporter?: Reporter;
}

/** What onRebased says to commit on the new tip. */
export interface RebasedContent {
  /** files or directories to commit (absolute, or relative to repoDir), deleted ones included */
  readonly paths: readonly string[];
  readonly message: string;
}

export interface CommitBackResult {
  /** false when the paths had no changes: no commit, no push */
  readonly committed: boolean;
  /** HEAD after the commit (after the last rebase when pushed) */
  readonly commit?: string;
  readonly pushed: boolean;
  /** push attempts made (0 when not pushing) */
  readonly attempts: number;
  /** files the commit changes, relative to the repository root, sorted */
  readonly files: readonly string[];
}

/**
 * Commits the given paths (and only those) as the bot identity; makes no commit when nothing changed.
 * With `push`, pushes HEAD to the remote branch; when the branch moved meanwhile, fetches it, rebases
 * onto it and tries again, up to `maxAttempts`. Never force-pushes. A rebase conflict is aborted, so
 * the working tree is left clean, and raised as CommitBackConflictError.
 */
export async function commitBack(options: CommitBackOptions): Promise<CommitBackResult> {
  const reporter = options.reporter ?? silentReporter;
  const probe = new Git(options.repoDir);
  const top = (await probe.tryRun(['rev-parse', '--show-toplevel'])).stdout.trim();
  if (top === '') throw new UsageError(`'${options.repoDir}' is not inside a git working tree; commit-back needs a clone of the GitOps repository`);
  const git = new Git(top, options.identity);
  if (options.token) reporter.secret(options.token);

  const specs = await existingOrTracked(git, top, options.paths.map((path) => resolve(options.repoDir, path)));
  if (specs.length === 0) return { committed: false, pushed: false, attempts: 0, files: [] };
  await git.run(['add', '--all', '--', ...specs]);
  let files = splitZ(await git.run(['diff', '--cached', '--name-only', '-z', '--', ...specs])).sort();
  if (files.length === 0) {
    reporter.info('commit-back: the rendered files are already committed; nothing to commit');
    return { committed: false, pushed: false, attempts: 0, files };
  }
  await git.run(['commit', '--quiet', '-m', options.message, '--', ...specs]);
  let commit = (await git.run(['rev-parse', 'HEAD'])).trim();
  reporter.info(`commit-back: committed ${files.length} file(s) as ${commit.slice(0, 12)}`);
  if (!options.push) return { committed: true, commit, pushed: false, attempts: 0, files };

  const remote = options.remote ?? 'origin';
  const branch = options.branch ?? (await currentBranch(git));
  const network = options.token ? new Git(top, options.identity, await tokenEnvironment(git, remote, options.token)) : git;
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_PUSH_ATTEMPTS);
  const delay = options.retryDelayMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    const pushArgs = ['push', '--porcelain', remote, `HEAD:refs/heads/${branch}`];
    const pushed = await network.tryRun(pushArgs);
    if (pushed.code === 0) {
      reporter.info(`commit-back: pushed ${commit.slice(0, 12)} to ${remote}/${branch}${attempt > 1 ? ` after ${attempt - 1} rebase(s)` : ''}`);
      return { committed: true, commit, pushed: true, attempts: attempt, files };
    }
    const status = pushStatus(pushed.stdout);
    if (status.kind === 'remote-rejected') throw new PushRejectedError(remote, branch, status.reason);
    if (status.kind !== 'behind') throw new GitCommandError(pushArgs, pushed.code, pushed.stderr);
    if (attempt >= maxAttempts) throw new PushRetriesExhaustedError(remote, branch, attempt);

    reporter.info(`commit-back: ${remote}/${branch} moved (${status.reason}); rebasing and retrying (attempt ${attempt + 1} of ${maxAttempts})`);
    await network.run(['fetch', '--quiet', remote, `refs/heads/${branch}`]);
    const tip = (await git.run(['rev-parse', 'FETCH_HEAD'])).trim();
    // Only our commit on top: its files are rendered again below, so a conflicting hunk may take the new
    // tip's side (its placements are the newer ones) instead of stopping the commit-back.
    const onlyOurs = options.onRebased !== undefined && (await git.run(['rev-list', '--count', `${tip}..HEAD`])).trim() === '1';
    await rebaseOrAbort(git, remote, branch, commit, onlyOurs ? ['-X', 'ours'] : []);
    if (options.onRebased) {
      const rebuilt = await rebuildOnTip(git, top, options.repoDir, tip, await options.onRebased());
      if (rebuilt === 'nothing-to-push') {
        reporter.info(`commit-back: ${remote}/${branch} already holds this render; nothing to push`);
        return { committed: false, pushed: false, attempts: attempt, files: [] };
      }
      files = rebuilt;
    }
    commit = (await git.run(['rev-parse', 'HEAD'])).trim();
    await sleep(delay * attempt * (0.5 + Math.random()));
  }
}

/**
 * After a rebase onto `tip`, commits what onRebased rendered: amends our rebased commit (or makes one,
 * when the rebase found it already upstream and dropped it). When the new render adds nothing to the
 * tip, our commit is dropped and, if nothing else is left to push, says so. Returns the files the
 * commit changes.
 */
async function rebuildOnTip(git: Git, top: string, repoDir: string, tip: string, content: RebasedContent): Promise<string[] | 'nothing-to-push'> {
  const specs = await existingOrTracked(git, top, content.paths.map((path) => resolve(repoDir, path)));
  if (specs.length > 0) await git.run(['add', '--all', '--', ...specs]);
  const head = (await git.run(['rev-parse', 'HEAD'])).trim();
  const ours = head !== tip;
  const changed = specs.length > 0 && (await git.tryRun(['diff', '--cached', '--quiet', 'HEAD', '--', ...specs])).code !== 0;
  if (ours) {
    await git.run(['commit', '--quiet', '--amend', '--allow-empty', '-m', content.message, ...(changed ? ['--', ...specs] : [])]);
  } else if (changed) {
    await git.run(['commit', '--quiet', '-m', content.message, '--', ...specs]);
  }
  const now = (await git.run(['rev-parse', 'HEAD'])).trim();
  if (now === tip) return 'nothing-to-push';
  const files = splitZ(await git.run(['diff', '--name-only', '-z', 'HEAD~1', 'HEAD'])).sort();
  if (files.length > 0) return files;
  // the new tip already has exactly this render: our commit would be empty
  await git.run(['reset', '--quiet', '--soft', 'HEAD~1']);
  return (await git.run(['rev-parse', 'HEAD'])).trim() === tip ? 'nothing-to-push' : [];
}

/**
 * The token as git's own config would carry it (actions/checkout's `http.<origin>/.extraheader`), but
 * through GIT_CONFIG_COUNT/KEY/VALUE in the environment of the fetch and the push alone: nothing is
 * written to .git/config, so no later step and no other process of the job can read it back.
 */
async function tokenEnvironment(git: Git, remote: string, token: string): Promise<Record<string, string>> {
  const url = (await git.run(['remote', 'get-url', remote])).trim();
  let origin: string;
  try {
    const parsed = new URL(url);
    // plain http only to this machine (a test server): a token never crosses a network unencrypted
    const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(parsed.hostname);
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) throw new Error(parsed.protocol);
    origin = parsed.origin;
  } catch {
    throw new UsageError(`remote '${remote}' is not an https URL, so a token cannot be sent to it; use an https remote or leave the token out`);
  }
  const basic = Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `http.${origin}/.extraheader`, GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${basic}` };
}

async function rebaseOrAbort(git: Git, remote: string, branch: string, commit: string, strategy: readonly string[]): Promise<void> {
  const args = ['rebase', '--quiet', ...strategy, 'FETCH_HEAD'];
  const rebased = await git.tryRun(args);
  if (rebased.code === 0) return;
  const conflicts = splitZ((await git.tryRun(['diff', '--name-only', '--diff-filter=U', '-z'])).stdout).sort();
  await git.tryRun(['rebase', '--abort']);
  if (conflicts.length > 0) throw new CommitBackConflictError(remote, branch, conflicts, commit);
  throw new GitCommandError(args, rebased.code, rebased.stderr);
}

async function currentBranch(git: Git): Promise<string> {
  const branch = (await git.tryRun(['symbolic-ref', '--quiet', '--short', 'HEAD'])).stdout.trim();
  if (branch === '') throw new UsageError('HEAD is detached, so there is no branch to push to; name the branch to push to');
  return branch;
}

/** Pathspecs (relative to the top, literal) for the paths that exist or that git tracks (a deleted file). */
async function existingOrTracked(git: Git, top: string, paths: readonly string[]): Promise<string[]> {
  const relativePaths = paths.map((path) => {
    const rel = relative(top, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`'${path}' is outside the git working tree ${top}; only files inside it can be committed`);
    return rel.split(sep).join('/') || '.';
  });
  const specs = [...new Set(relativePaths)].sort().map((rel) => `:(literal)${rel}`);
  if (specs.length === 0) return [];
  const tracked = new Set(splitZ(await git.run(['ls-files', '-z', '--', ...specs])));
  const headTracked = new Set(splitZ((await git.tryRun(['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', ...specs])).stdout));
  const known = (rel: string): boolean =>
    [...tracked, ...headTracked].some((file) => rel === '.' || file === rel || file.startsWith(`${rel}/`));
  return [...new Set(relativePaths)]
    .sort()
    .filter((rel) => existsSync(resolve(top, rel)) || known(rel))
    .map((rel) => `:(literal)${rel}`);
}

const LOST_REF_RACE = /failed to update ref|cannot lock ref|failed to lock|incorrect old value/i;

type PushStatus = { kind: 'behind' | 'remote-rejected' | 'other'; reason: string };

/** Reads `git push --porcelain`: `!<TAB>from:to<TAB>[rejected] (fetch first)` means the branch moved. */
function pushStatus(stdout: string): PushStatus {
  for (const line of stdout.split('\n')) {
    const [flag, , summary = ''] = line.split('\t');
    if (flag !== '!') continue;
    const reason = summary.replace(/^\[[^\]]*\]\s*/, '').replace(/^\((.*)\)$/, '$1') || summary;
    if (summary.startsWith('[rejected]')) return { kind: 'behind', reason };
    // Two pushes landing together: the loser's ref update fails on the remote's lock or its old-value
    // check. The branch moved under it, exactly as when it was behind, so it is retried the same way.
    if (summary.startsWith('[remote rejected]')) return { kind: LOST_REF_RACE.test(reason) ? 'behind' : 'remote-rejected', reason };
    return { kind: 'other', reason };
  }
  return { kind: 'other', reason: 'unknown' };
}

function splitZ(text: string): string[] {
  return text.split('\0').filter((part) => part !== '');
}
