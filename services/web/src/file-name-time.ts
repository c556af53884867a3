/**
 * The start time written in a recording's file name by the segmenter's filename_template (default
 * `%Y-%m-%d/%Y-%m-%d_%H-%M-%S%z`), e.g. `2026-11-24_05-00-00+0100.wav`. Pure. Returns epoch ms and the
 * ISO text with the name's UTC offset, or null when the name has no recognisable time.
 */
export function timeFromFileName(name: string): { ms: number; iso: string } | null {
  const m = /(\d{4})-(\d{2})-(\d{2})[_T ](\d{2})[-:]?(\d{2})[-:]?(\d{2})(?:[.,](\d{1,3}))?(Z|[+-]\d{2}:?\d{2})?/.exec(
    name,
  );
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const ms = frac ? frac.padEnd(3, '0') : '000';
  const off = zone === 'Z' ? '+00:00' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${off}`;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? { ms: t, iso } : null;
}

/** ISO 8601 of `ms` written in a UTC offset of `offsetMinutes` (60 → "+01:00"), so times keep the source's zone. */
export function isoWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const a = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}
