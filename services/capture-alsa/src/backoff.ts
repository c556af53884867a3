import { backoffMs } from '@isr/runtime';

/** Restart delays: `min`, doubling per consecutive failure, capped at `max` (counts failures around @isr/runtime's backoffMs). */
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
    this.failures = Math.min(this.failures + 1, 52);
    return backoffMs(this.failures, this.minSeconds, this.maxSeconds);
  }

  /** A session that ran well resets the delay to `min`. */
  reset(): void {
    this.failures = 0;
  }
}
