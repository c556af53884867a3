import type { ZoneClock } from './time-zone.ts';

const DAY = 86_400_000;

/**
 * Split boundaries: the instants whose local wall-clock time is a multiple of `splitMs` from local
 * midnight (each local midnight is a boundary too, so a split that does not divide 24 h restarts every day).
 * On a DST change the wall clock jumps: the first instant after the jump is a boundary when its wall time
 * is a multiple (spring forward at 02:00 → 03:00 with hourly files: 01:00, 03:00, 04:00…; fall back gives
 * 02:00 twice, once per offset). Times are epoch ms; boundaries are whole ms.
 */
export class SplitClock {
  readonly splitMs: number;
  readonly #zone: ZoneClock;

  constructor(splitMinutes: number, zone: ZoneClock) {
    if (!(splitMinutes > 0) || splitMinutes > 1440)
      throw new RangeError(`split_minutes must be in (0, 1440], got ${splitMinutes}`);
    this.splitMs = Math.round(splitMinutes * 60_000);
    this.#zone = zone;
  }

  /** Next wall-time multiple strictly after `wall` (ms in local wall-clock epoch). */
  #nextWallMultiple(wall: number): number {
    const dayStart = Math.floor(wall / DAY) * DAY;
    const k = Math.floor((wall - dayStart) / this.splitMs) + 1;
    return Math.min(dayStart + k * this.splitMs, dayStart + DAY);
  }

  #isWallMultiple(wall: number): boolean {
    const dayStart = Math.floor(wall / DAY) * DAY;
    return (wall - dayStart) % this.splitMs === 0;
  }

  /** First boundary strictly after instant t. */
  next(t: number): number {
    let from = Math.floor(t);
    for (let guard = 0; guard < 8; guard++) {
      const off = this.#zone.offsetMs(from);
      const candidate = this.#nextWallMultiple(from + off) - off;
      if (this.#zone.offsetMs(candidate) === off && this.#zone.offsetMs(candidate - 1) === off) {
        return candidate <= t ? this.next(t + 1) : candidate;
      }
      // The offset changes in (from, candidate]: find the first instant with the new offset.
      let lo = from;
      let hi = candidate;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.#zone.offsetMs(mid) === off) lo = mid;
        else hi = mid;
      }
      const change = hi;
      if (change > t && this.#isWallMultiple(change + this.#zone.offsetMs(change))) return change;
      from = change;
      if (from <= t) from = Math.floor(t);
    }
    throw new Error(`no split boundary found after ${new Date(t).toISOString()}`);
  }

  /** The boundary at or before t (the start of the interval containing t). */
  previous(t: number): number {
    // Step back by at most one interval plus a DST jump and walk forward.
    let b = this.next(t - this.splitMs - 3 * 3_600_000 - 1);
    for (;;) {
      const n = this.next(b);
      if (n > t) return b;
      b = n;
    }
  }
}
