import { InputFileError, RayGitopsError } from '../errors/index.js';
import type { Diagnostic } from '../report/index.js';

/** The build context cannot be read or packed (a symlink, an unreadable file, too large for a zip). */
export class BuildContextError extends InputFileError {}

/** The Dockerfile, versions file or build arguments break a rule; details are in `diagnostics`. */
export class DockerfileLintError extends RayGitopsError {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(
      `${diagnostics.length} problem(s) in the image definition (${[...new Set(diagnostics.map((d) => d.location.file))].join(', ')}); ` +
        'fix them before building: nothing was sent to AWS.',
    );
  }
}

/** An AWS call failed with an error that retrying will not fix (permissions, a missing resource, bad input). */
export class AwsCallError extends RayGitopsError {
  constructor(
    readonly operation: string,
    /** the AWS error name, e.g. AccessDeniedException */
    readonly errorName: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A retryable AWS error (throttling, a 5xx, a dropped connection) kept coming back until the attempts ran out. */
export class RetryExhaustedError extends AwsCallError {}

/** An ECR repository or CodeBuild project the build needs does not exist, and ensure mode is off. */
export class MissingAwsResourceError extends RayGitopsError {}

export interface FailedPhase {
  readonly phase: string;
  readonly status: string;
  /** CodeBuild's phase contexts: `STATUS_CODE: message` */
  readonly contexts: readonly string[];
}

/** CodeBuild finished the build without success (FAILED, FAULT, TIMED_OUT, STOPPED by someone else). */
export class ImageBuildFailedError extends RayGitopsError {
  constructor(
    readonly buildId: string,
    readonly status: string,
    readonly failedPhase: FailedPhase | undefined,
    readonly lastLogLines: readonly string[],
  ) {
    const where = failedPhase ? ` in phase ${failedPhase.phase}` : '';
    const why = failedPhase?.contexts.length ? `: ${failedPhase.contexts.join('; ')}` : '';
    super(`CodeBuild build ${buildId} ended ${status}${where}${why}; see the build log above for the failing command.`);
  }
}

/** The run was cancelled (SIGINT/SIGTERM, an aborted signal); `stopped` says whether StopBuild went through. */
export class ImageBuildCancelledError extends RayGitopsError {
  constructor(
    readonly buildId: string | undefined,
    readonly stopped: boolean,
  ) {
    super(
      buildId === undefined
        ? 'build-image was cancelled before any CodeBuild build started; nothing to stop.'
        : stopped
          ? `build-image was cancelled; CodeBuild build ${buildId} was stopped.`
          : `build-image was cancelled, and stopping CodeBuild build ${buildId} failed; stop it in the CodeBuild console.`,
    );
  }
}

/** CodeBuild reported success, yet ECR has no image under the content tag. */
export class ImageMissingAfterBuildError extends RayGitopsError {}
