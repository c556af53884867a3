/** A source's recorded spans within one day, and the gaps between them. Pure (no DOM), for the day timeline. */

export interface Span {
  startMs: number;
  endMs: number;
}

interface FileLike {
  startMs: number;
  durationSeconds: number | null;
  recording: boolean;
}

/** Files that abut within this are one span (the segmenter's files abut exactly; a coded split on the next frame). */
export const JOIN_MS = 1000;

/** End of a file: start + duration; a file being recorded reaches `nowMs`; an unknown length counts as nothing. */
export function fileEnd(f: FileLike, nowMs: number): number {
  if (f.durationSeconds !== null) return f.startMs + f.durationSeconds * 1000;
  return f.recording ? Math.max(nowMs, f.startMs) : f.startMs;
}

/** The recorded spans of `files` clipped to [dayStart, dayEnd), merged where files abut, in time order. */
export function spansOf(files: readonly FileLike[], dayStart: number, dayEnd: number, nowMs: number): Span[] {
  const raw = files
    .map((f) => ({ startMs: Math.max(dayStart, f.startMs), endMs: Math.min(dayEnd, fileEnd(f, nowMs)) }))
    .filter((s) => s.endMs > s.startMs)
    .sort((a, b) => a.startMs - b.startMs);
  const out: Span[] = [];
  for (const s of raw) {
    const last = out.at(-1);
    if (last && s.startMs <= last.endMs + JOIN_MS) last.endMs = Math.max(last.endMs, s.endMs);
    else out.push({ ...s });
  }
  return out;
}

/** The gaps of a day between its first and last recorded span (before the first and after the last is "not recorded yet/any more", not a gap). */
export function gapsOf(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (let i = 1; i < spans.length; i++) out.push({ startMs: spans[i - 1]!.endMs, endMs: spans[i]!.startMs });
  return out;
}

/** Whether `ms` lies in one of the spans. */
export function covered(spans: readonly Span[], ms: number): boolean {
  return spans.some((s) => ms >= s.startMs && ms < s.endMs);
}
