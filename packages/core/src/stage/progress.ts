import type { Reporter } from '../report/index.js';

/** Progress at a steady cadence: one line every few seconds with bytes, MiB/s, ETA and files done. */
export class Progress {
  done = 0;
  sent = 0;
  skipped = 0;
  filesDone = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  constructor(
    readonly total: number,
    readonly files: number,
    private readonly reporter: Reporter,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.report(), this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  add(done: number, sent: number): void {
    this.done += done;
    this.sent += sent;
  }

  /** bytes already in S3; `wholeFile` when a whole object was kept */
  skip(bytes: number, wholeFile: boolean): void {
    this.done += bytes;
    this.skipped += bytes;
    if (wholeFile) this.filesDone++;
  }

  fileDone(): void {
    this.filesDone++;
  }

  line(): string {
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const rate = this.sent / seconds;
    const left = this.total - this.done;
    const eta = rate >= 1024 ? `${Math.ceil(left / rate)} s` : '?';
    const percent = this.total > 0 ? ((100 * this.done) / this.total).toFixed(1) : '100.0';
    return `${percent}% ${mib(this.done)}/${mib(this.total)} MiB, ${(rate / 1048576).toFixed(1)} MiB/s, ETA ${eta}, ${this.filesDone}/${this.files} files`;
  }

  private report(): void {
    if (this.reporter.progress) this.reporter.progress(this.line(), this.total > 0 ? this.done / this.total : 1);
    else this.reporter.info(this.line());
  }
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(0);
