/** Hub lookups a plan runs at once: enough to hide latency, few enough to stay clear of the Hub's rate limits. */
export const DEFAULT_HUB_CONCURRENCY = 8;

/** All Hub lookups of one plan together; what is not looked up by then is reported as not checked. */
export const DEFAULT_HUB_TIMEOUT_MS = 300_000;

/** One lookup (a model's config, its file listing) that stalls gives its slot back after this. */
const LOOKUP_TIMEOUT_MS = 30_000;

/** What a lookup that did not run, or did not finish, before the plan's deadline resolves to. */
export const TIMED_OUT = Symbol('hub lookup timed out');

/**
 * The plan's Hub traffic: at most `concurrency` lookups in flight, each bounded on its own, all of them
 * by one deadline, and the same lookup (a repository at a revision) made once however many catalog
 * entries share it. A 10,000-entry catalog so plans in minutes whatever the Hub does; a lookup past
 * the deadline resolves to TIMED_OUT instead of holding the plan up.
 */
export class HubLookups {
  private readonly deadline: AbortSignal;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly concurrency = DEFAULT_HUB_CONCURRENCY,
    readonly timeoutMs = DEFAULT_HUB_TIMEOUT_MS,
  ) {
    this.deadline = AbortSignal.timeout(timeoutMs);
  }

  /** Why an entry was not looked up, for the plan's reader. */
  get timeoutReason(): string {
    return `the plan's Hub lookups ran past their ${Math.round(this.timeoutMs / 1000)} s budget before this one (raise --hub-timeout)`;
  }

  /** A signal for one lookup's requests: aborted at the deadline or when the lookup itself stalls. */
  requestSignal(): AbortSignal {
    return AbortSignal.any([this.deadline, AbortSignal.timeout(LOOKUP_TIMEOUT_MS)]);
  }

  /** Runs `work` under the bounds; the same `key` runs once and shares its result. */
  run<T>(key: string, work: () => Promise<T>): Promise<T | typeof TIMED_OUT> {
    let pending = this.memo.get(key) as Promise<T | typeof TIMED_OUT> | undefined;
    if (!pending) {
      pending = this.bounded(work);
      this.memo.set(key, pending);
    }
    return pending;
  }

  private async bounded<T>(work: () => Promise<T>): Promise<T | typeof TIMED_OUT> {
    if (this.deadline.aborted) return TIMED_OUT;
    if (this.active >= this.concurrency) await new Promise<void>((resume) => this.waiting.push(resume));
    this.active += 1;
    try {
      if (this.deadline.aborted) return TIMED_OUT;
      let stop: () => void = () => undefined;
      const passed = new Promise<typeof TIMED_OUT>((resolve) => {
        const onAbort = () => resolve(TIMED_OUT);
        this.deadline.addEventListener('abort', onAbort, { once: true });
        stop = () => this.deadline.removeEventListener('abort', onAbort);
      });
      try {
        return await Promise.race([work(), passed]);
      } finally {
        stop();
      }
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
