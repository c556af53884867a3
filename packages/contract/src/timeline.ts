/**
 * Time on the timeline, the one place it is computed: a session's frame 0 is at `sessionStartMs` (epoch ms, the
 * Isr-Session-Start header), and from there time is counted in samples, never re-read from a clock. Pure.
 */

/** Instant (epoch ms, fractional) of the frame `offset` frames after the session's first (negative: before it). */
export function timeOfFrame(offset: number, sessionStartMs: number, sampleRate: number): number {
  return sessionStartMs + (offset * 1000) / sampleRate;
}

/**
 * Session offset (sample frames) of the first frame at or after instant `ms`, for a session whose frame 0 is at
 * `sessionStartMs`: the inverse of timeOfFrame. Exact integer arithmetic for whole ms (ms × rate fits in 2^53).
 */
export function frameAtOrAfter(ms: number, sessionStartMs: number, sampleRate: number): number {
  return Math.ceil(((ms - sessionStartMs) * sampleRate) / 1000);
}
