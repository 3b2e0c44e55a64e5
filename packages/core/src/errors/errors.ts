/**
 * Every failure core raises on purpose is a RayGitopsError subclass, so callers branch on the
 * type (`instanceof`) and never on message text. Messages say what went wrong, where, and what to do.
 */
export class RayGitopsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line or action inputs are wrong. */
export class UsageError extends RayGitopsError {}

/** A file or directory the user pointed at cannot be read. */
export class InputFileError extends RayGitopsError {}
