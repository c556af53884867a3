/** Restart delays: `min`, doubling per consecutive failure, capped at `max` (pure). */
export class Backoff {
  private failures = 0;
  readonly minSeconds: number;
  readonly maxSeconds: number;

  constructor(minSeconds: number, maxSeconds: number) {
    this.minSeconds = minSeconds;
    this.maxSeconds = maxSeconds;
  }

  /** Delay before the next attempt, in ms; counts one more failure. */
  next(): number {
    const s = Math.min(this.maxSeconds, this.minSeconds * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 52);
    return Math.round(s * 1000);
  }

  /** A session that ran well resets the delay to `min`. */
  reset(): void {
    this.failures = 0;
  }
}
