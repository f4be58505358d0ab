/**
 * A one-line progress bar on a TTY stream (stderr), redrawn at most every 100 ms.
 * Does nothing when the stream is not a TTY, so piped and CI output stays clean.
 */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  /**
   * @param stream where to draw (normally stderr)
   * @param total number of items, or undefined when unknown (shows a counter)
   * @param label short label before the bar
   */
  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private total: number | undefined,
    private readonly label: string,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** Set the total once it is known. */
  setTotal(total: number): void {
    this.total = total;
  }

  /** Record `n` more items done and redraw if due. */
  tick(n = 1): void {
    this.done += n;
    const now = Date.now();
    if (this.enabled && now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw();
    }
  }

  /** Clear the line (call once at the end). */
  finish(): void {
    if (this.enabled) this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(this.done / secs) : 0;
    let line: string;
    if (this.total && this.total > 0) {
      const cols = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 50));
      const frac = Math.min(1, this.done / this.total);
      const filled = Math.round(frac * cols);
      const eta = rate > 0 ? Math.round((this.total - this.done) / rate) : 0;
      line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(cols - filled)}] ${this.done}/${this.total} ${rate}/s eta ${eta}s`;
    } else {
      line = `${this.label} ${this.done} ${rate}/s`;
    }
    this.stream.write(`\r\x1b[2K${line}`);
  }
}
