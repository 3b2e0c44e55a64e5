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

/** The catalog has problems; details are in the diagnostics the check returned. */
export class CatalogInvalidError extends RayGitopsError {}

/** A pipeline stage that this version of ray-gitops does not implement yet. */
export class CapabilityNotBuiltError extends RayGitopsError {
  constructor(readonly capability: string) {
    super(
      `'${capability}' is not built yet in this version of ray-gitops; ` +
        'track the open issues in the repository, or pin an older release that has it.',
    );
  }
}
