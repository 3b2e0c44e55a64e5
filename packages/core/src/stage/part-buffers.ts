import { Semaphore } from './semaphore.js';

/** A part's bytes, lent from the pool until `release()` (once). */
export interface PartBuffer {
  /** the bytes to fill: the whole buffer, or a prefix of it for a file's last part */
  readonly bytes: Buffer;
  release(): void;
}

/**
 * The memory parts are assembled in: `count` buffers of `size` bytes, reused rather than left to the
 * garbage collector, so peak RSS is a fixed base plus `count * size` however large the model is.
 */
export class PartBuffers {
  private readonly available: Semaphore;
  private readonly idle: Buffer[] = [];

  constructor(
    readonly size: number,
    readonly count: number,
  ) {
    this.available = new Semaphore(count);
  }

  /** Waits for a free buffer and lends its first `length` bytes. */
  async acquire(length: number): Promise<PartBuffer> {
    await this.available.acquire(1);
    const whole = this.idle.pop() ?? Buffer.allocUnsafe(this.size);
    return {
      bytes: whole.subarray(0, length),
      release: () => {
        this.idle.push(whole);
        this.available.release(1);
      },
    };
  }
}
