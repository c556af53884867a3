/**
 * Retry delays after consecutive failures: `min` after the first, doubling with each further one, capped at
 * `max` (a `max` below `min` means always `min`). The one backoff of every retry loop (a capture restarting arecord or reconnecting a stream, a held
 * source of the segmenter retrying its writes); `reset()` after a success starts again at `min`.
 */
export class Backoff {
  readonly minSeconds: number;
  readonly maxSeconds: number;
  #failures = 0;

  constructor(minSeconds: number, maxSeconds: number) {
    if (!(minSeconds >= 0) || Number.isNaN(maxSeconds))
      throw new RangeError(`backoff needs min >= 0 and a max in seconds, got min ${minSeconds}, max ${maxSeconds}`);
    this.minSeconds = minSeconds;
    this.maxSeconds = maxSeconds;
  }

  /** Consecutive failures counted so far (the attempt the last `next()` delay was for). */
  get failures(): number {
    return this.#failures;
  }

  /** Counts one more failure and gives the delay before the next attempt, in ms. */
  next(): number {
    this.#failures = Math.min(this.#failures + 1, 1_000_000);
    const seconds = Math.max(
      this.minSeconds,
      Math.min(this.maxSeconds, this.minSeconds * 2 ** Math.min(this.#failures - 1, 30)),
    );
    return Math.round(seconds * 1000);
  }

  /** A success: the next failure waits `min` again. */
  reset(): void {
    this.#failures = 0;
  }
}
