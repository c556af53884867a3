import type { ZoneClock } from './time-zone.ts';

/**
 * Renders a strftime-style file name template for the instant t in the zone:
 * %Y %m %d %H %M %S (local wall clock), %z (+0100), %Z (zone abbreviation or offset, e.g. CET / UTC / GMT+1),
 * %s (epoch seconds), %% and {source}. Path separators in the template make directories.
 */
export function renderFilename(template: string, t: number, zone: ZoneClock, source: string): string {
  const w = zone.wall(t);
  const two = (n: number) => String(n).padStart(2, '0');
  const out = template.replace(/%([YmdHMSzZs%])/g, (_, c: string) => {
    switch (c) {
      case 'Y':
        return String(w.year).padStart(4, '0');
      case 'm':
        return two(w.month);
      case 'd':
        return two(w.day);
      case 'H':
        return two(w.hour);
      case 'M':
        return two(w.minute);
      case 'S':
        return two(w.second);
      case 'z':
        return zone.offsetString(t, true);
      case 'Z':
        return zoneAbbreviation(zone, t);
      case 's':
        return String(Math.floor(t / 1000));
      default:
        return '%';
    }
  });
  return out.replaceAll('{source}', source);
}

function zoneAbbreviation(zone: ZoneClock, t: number): string {
  const name =
    new Intl.DateTimeFormat('en-GB', { timeZone: zone.zone, timeZoneName: 'short' })
      .formatToParts(new Date(t))
      .find((p) => p.type === 'timeZoneName')?.value ?? zone.offsetString(t, true);
  return name.replace(/[^A-Za-z0-9+-]/g, '');
}

/**
 * `name.ext`, `name_1.ext`, `name_2.ext`… : the n-th candidate when earlier ones exist (never overwrite).
 * A taken name means a later file starts in the same second (e.g. the continuation of a FLAC file a crash
 * left open), so a numbered name must sort AFTER the plain one, byte-wise, as `ls`, JavaScript's `sort()`
 * and most tools order names: `_` (0x5F) sorts after the `.` (0x2E) of `name.ext`, where the former `-`
 * (0x2D) sorted before it and put the continuation ahead of the file it continues. Name order is time order
 * for up to 10 files starting in the same second (`name_10` would sort before `name_2`).
 */
export function numberedCandidate(base: string, ext: string, n: number): string {
  return n === 0 ? `${base}.${ext}` : `${base}_${n}.${ext}`;
}
