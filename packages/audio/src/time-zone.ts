import { TimeZoneError } from './errors.ts';

/**
 * UTC offsets of an IANA time zone through Intl (no tz database of our own: Node ships ICU's).
 * A `ZoneClock` caches one formatter per zone; `offsetMs(t)` is local wall time minus UTC at instant t.
 */

export interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export class ZoneClock {
  readonly zone: string;
  readonly #fmt: Intl.DateTimeFormat;

  constructor(zone: string) {
    const name = zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    try {
      this.#fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new TimeZoneError(name, { cause });
    }
    this.zone = this.#fmt.resolvedOptions().timeZone;
  }

  /** Local wall-clock fields at instant t (epoch ms), seconds truncated. */
  wall(t: number): WallParts {
    const p: Record<string, number> = {};
    for (const part of this.#fmt.formatToParts(new Date(Math.floor(t / 1000) * 1000))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second! };
  }

  /** Local wall time minus UTC at instant t, in ms (e.g. +3_600_000 for CET). Whole seconds. */
  offsetMs(t: number): number {
    const w = this.wall(t);
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    return asUtc - Math.floor(t / 1000) * 1000;
  }

  /** "+01:00"-style offset at t; `compact` gives "+0100". */
  offsetString(t: number, compact = false): string {
    const off = this.offsetMs(t) / 60000;
    const sign = off < 0 ? '-' : '+';
    const a = Math.abs(off);
    const hh = String(Math.floor(a / 60)).padStart(2, '0');
    const mm = String(a % 60).padStart(2, '0');
    return compact ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
  }

  /** ISO 8601 with this zone's offset and milliseconds, e.g. 2026-11-24T05:00:00.000+01:00. */
  isoLocal(t: number): string {
    const w = new Date(t + this.offsetMs(t));
    return w.toISOString().slice(0, 23) + this.offsetString(t);
  }
}
