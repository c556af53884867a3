/**
 * Wall-clock times in a named time zone (IANA, e.g. Europe/Berlin) and the instants they name. Pure (Intl
 * only, no DOM), so the DST rules are tested in Node: on a fall-back day one wall time names two instants
 * (02:30 CEST and 02:30 CET), on a spring-forward day some name none.
 */

/** A wall-clock time: `YYYY-MM-DDTHH:MM:SS` (seconds optional on input). */
export type Wall = string;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The wall clock of `ms` in `tz`, as the UTC epoch ms that shows the same digits. */
function wallMs(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return (
    Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!) + (ms - Math.floor(ms / 1000) * 1000)
  );
}

/** The UTC offset of `tz` at instant `ms`, in minutes east of UTC (Europe/Berlin in summer: 120). */
export function offsetAt(ms: number, tz: string): number {
  return Math.round((wallMs(Math.floor(ms / 1000) * 1000, tz) - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** "+02:00" for 120, "-03:30" for -210. */
export function formatOffset(minutes: number): string {
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The wall clock of `ms` in `tz` (`YYYY-MM-DDTHH:MM:SS`) and the offset in force. */
export function wallOf(ms: number, tz: string): { wall: Wall; offset: number } {
  return { wall: new Date(wallMs(ms, tz)).toISOString().slice(0, 19), offset: offsetAt(ms, tz) };
}

/** ISO 8601 of `ms` in the offset of `tz` at that instant, to the second: `2026-10-25T02:30:10+01:00`. */
export function isoIn(ms: number, tz: string): string {
  const w = wallOf(ms, tz);
  return `${w.wall}${formatOffset(w.offset)}`;
}

/**
 * The instants a wall time names in `tz`, earliest first, each with its offset: one on an ordinary day, two in
 * the repeated hour of a fall-back day, none in the skipped hour of a spring-forward day. Null when the text is
 * not a wall time.
 */
export function instantsOf(wall: Wall, tz: string): { ms: number; offset: number }[] | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (!m) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (!Number.isFinite(asUtc)) return null;
  // Every offset the zone uses within a day of that wall time; an instant is real if its own offset is the one assumed.
  const offsets = new Set([offsetAt(asUtc - 86_400_000, tz), offsetAt(asUtc, tz), offsetAt(asUtc + 86_400_000, tz)]);
  const out: { ms: number; offset: number }[] = [];
  for (const o of offsets) {
    const ms = asUtc - o * 60_000;
    if (offsetAt(ms, tz) === o) out.push({ ms, offset: o });
  }
  return out.sort((a, b) => a.ms - b.ms);
}

/** The browser's own zone (the page shows recordings in it). */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
