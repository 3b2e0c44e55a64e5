/** A counting semaphore over units (parts in flight, buffered bytes); waiters are served in order. */
export class Semaphore {
  private available: number;
  private readonly waiters: { units: number; resolve: () => void }[] = [];

  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  /** Waits for `units` (clamped to the capacity, so one oversized request cannot wait forever). */
  async acquire(units: number): Promise<number> {
    const want = Math.min(units, this.capacity);
    if (this.waiters.length === 0 && this.available >= want) {
      this.available -= want;
      return want;
    }
    await new Promise<void>((resolve) => this.waiters.push({ units: want, resolve }));
    return want;
  }

  release(units: number): void {
    this.available += units;
    while (this.waiters.length > 0 && this.available >= this.waiters[0]!.units) {
      const next = this.waiters.shift()!;
      this.available -= next.units;
      next.resolve();
    }
  }
}
