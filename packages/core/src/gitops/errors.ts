import { RayGitopsError } from '../errors/index.js';

/** A git command failed for a reason commit-back does not handle (not a repository, no such remote, bad credentials). */
export class GitCommandError extends RayGitopsError {
  constructor(
    /** the git arguments, e.g. ['push', 'origin', 'HEAD:refs/heads/main'] */
    readonly args: readonly string[],
    readonly exitCode: number,
    readonly stderr: string,
    message?: string,
  ) {
    super(message ?? `'git ${args.join(' ')}' failed with exit code ${exitCode}: ${firstLine(stderr)}`);
  }
}

/**
 * The remote branch moved and our commit does not rebase cleanly onto it. The rebase was aborted:
 * the working tree is clean, the local commit is kept, nothing was pushed.
 */
export class CommitBackConflictError extends RayGitopsError {
  constructor(
    readonly remote: string,
    readonly branch: string,
    /** files both sides changed, relative to the repository root, sorted */
    readonly files: readonly string[],
    /** the local, unpushed commit */
    readonly commit: string,
  ) {
    super(
      `the rendered files conflict with changes pushed to ${remote}/${branch} meanwhile (${files.join(', ') || 'unknown files'}); ` +
        `nothing was pushed and local commit ${commit.slice(0, 12)} is kept: pull ${remote}/${branch}, render again and commit`,
    );
  }
}

/** The remote refused the push for a reason retrying will not fix (a protected branch, a hook). */
export class PushRejectedError extends RayGitopsError {
  constructor(
    readonly remote: string,
    readonly branch: string,
    readonly reason: string,
  ) {
    super(`${remote} refused the push to ${branch} (${reason}); check the branch protection rules and the token's permissions`);
  }
}

/** The remote branch kept moving between our rebase and our push until the attempts ran out. */
export class PushRetriesExhaustedError extends RayGitopsError {
  constructor(
    readonly remote: string,
    readonly branch: string,
    readonly attempts: number,
  ) {
    super(`${remote}/${branch} kept moving: the push was rejected ${attempts} time(s) after rebasing; run the commit-back again`);
  }
}

function firstLine(text: string): string {
  return text.trim().split('\n').find((line) => line.trim() !== '') ?? '(no output)';
}

/**
 * The branch moved, and the tree rendered again from its new tip failed the catalog check or the
 * validation: nothing was pushed. The rebased commit and the new render are left in the working tree.
 */
export class RebasedRenderError extends RayGitopsError {}
