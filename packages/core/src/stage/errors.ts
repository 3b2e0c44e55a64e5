import { RayGitopsError } from '../errors/index.js';

/** Staging failed for a reason a re-run may fix (network, S3 throttling, retries exhausted). */
export class StageError extends RayGitopsError {}

/** The source refused access: a gated or private repository, or a token without access. */
export class SourceAccessError extends StageError {}

/** The repository, revision or file does not exist at the source. */
export class SourceNotFoundError extends StageError {}

/** Bytes read from the source do not match the checksum the source published. */
export class IntegrityError extends StageError {}

/** An HTTP answer that is worth retrying (429, 5xx, dropped connection). */
export class RetryableError extends StageError {
  constructor(
    message: string,
    /** how long the server asked us to wait, in ms */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
