import { RayGitopsError } from '../errors/index.js';

/** No byte moved on a request for the idle timeout: the peer accepted the connection and went quiet. */
export class StallError extends RayGitopsError {
  constructor(
    /** what was waiting, e.g. `GET https://host/path` */
    readonly what: string,
    readonly idleMs: number,
    options?: ErrorOptions,
  ) {
    super(`${what}: no byte moved for ${formatSeconds(idleMs)}`, options);
  }
}

/** A stall by our own idle timer or the AWS SDK's request/socket timeouts (`TimeoutError`). */
export function isStall(error: unknown): boolean {
  if (error instanceof StallError) return true;
  const e = error as { name?: unknown; code?: unknown } | null;
  return e?.name === 'TimeoutError' || e?.code === 'ETIMEDOUT' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT';
}

/** `120 s`, `1.6 s`, `350 ms`. */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) || seconds >= 10 ? Math.round(seconds) : seconds.toFixed(1)} s`;
}

/**
 * An idle timer for one request: `touch()` on every byte that moves, `signal` aborts with a StallError
 * once nothing moved for `idleMs`. `stop()` when the request is over.
 */
export class IdleTimer {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly what: string,
    readonly idleMs: number,
  ) {
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    if (this.controller.signal.aborted) return;
    // refresh() restarts the same timer: cheap enough for every chunk of a 100 GB download
    if (this.timer) {this.timer.refresh();} else {
      this.timer = setTimeout(() => this.controller.abort(new StallError(this.what, this.idleMs)), this.idleMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
