/**
 * The day timeline: one row per source for a day in the browser's zone (a fall-back day is 25 hours wide),
 * recorded spans, the gaps between them and the loud stretches from the analyses, drawn on a canvas that is
 * also a keyboard slider (arrows ±1 min, Page Up/Down ±1 h, Home/End, Enter or Space plays from there; a click
 * plays from the point). A drag across a row, or a Shift+click (from the row's cursor), selects a clip of the
 * recorded time in it and plays from its start. The file being recorded grows with the source's status events
 * (its last chunk's end), not with the clock. Asks `/api/files` only for the day shown.
 */
import { currentClip, onClipChange, selectClip } from './clip.ts';
import { covered, fileEnd, gapsOf, spansOf, type Span } from './day-spans.ts';
import { $, announce, type Rec } from './dom.ts';
import { wireSpanDrag } from './span-drag.ts';
import { formatOffset, instantsOf, offsetAt, wallOf } from './zoned-time.ts';

const PAGE = 1000;
/** At most this many analyses are fetched for a day's loud stretches (only files the index says have any). */
const MAX_ANALYSES = 200;
const ROW_HEIGHT = 44;

interface Row {
  source: string;
  files: Rec[];
  spans: Span[];
  loud: Span[];
  cursor: number;
  /** A selection being dragged, not yet a clip. */
  dragging: Span | null;
  track: HTMLElement;
  text: HTMLElement;
  canvas: HTMLCanvasElement;
}

let tz = 'UTC';
let day = '';
let dayStart = 0;
let dayEnd = 0;
let rows: Row[] = [];
let play: (source: string, ms: number) => void = () => {};
let knownSources: () => readonly string[] = () => [];
let loading = 0;
/** The end of each source's last chunk written, from its status: how far the file being recorded reaches. */
const liveEnds = new Map<string, number>();

/** The first instant of a wall date in the zone (midnight, or the first hour that exists). */
function startOfDay(date: string): number {
  for (const h of ['00', '01', '02']) {
    const at = instantsOf(`${date}T${h}:00:00`, tz);
    if (at?.length) return at[0]!.ms;
  }
  return Date.parse(`${date}T00:00:00Z`);
}

function nextDate(date: string, by: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + by);
  return d.toISOString().slice(0, 10);
}

/** The day's wall clock of `ms`, with the UTC offset when the day has more than one. */
function clock(ms: number): string {
  const w = wallOf(ms, tz);
  return offsetAt(dayStart, tz) === offsetAt(dayEnd - 1, tz)
    ? w.wall.slice(11)
    : `${w.wall.slice(11)} UTC${formatOffset(w.offset)}`;
}

const range = (s: Span) => `${clock(s.startMs)}–${clock(s.endMs)}`;

async function filesOfDay(): Promise<Rec[]> {
  const out: Rec[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const q = new URLSearchParams({
      from: String(dayStart),
      to: String(dayEnd),
      limit: String(PAGE),
      offset: String(offset),
    });
    const res = await fetch(`/api/files?${q}`);
    if (!res.ok) throw new Error(`/api/files answered ${res.status}`);
    const b = (await res.json()) as { total: number; files: Rec[] };
    out.push(...b.files);
    if (offset + PAGE >= b.total || b.files.length === 0) return out;
  }
}

/** Loud stretches of the files whose analysis found any, as instants (a few requests at a time). */
async function loudOf(files: Rec[]): Promise<Map<string, Span[]>> {
  const out = new Map<string, Span[]>();
  const todo = files.filter((f) => (f.analysis?.loudSections ?? 0) > 0).slice(0, MAX_ANALYSES);
  const worker = async () => {
    for (let f = todo.shift(); f; f = todo.shift()) {
      const res = await fetch(`/api/analyze?file=${encodeURIComponent(f.path)}`).catch(() => null);
      if (!res || res.status !== 200) continue;
      const a = (await res.json()) as { sections: { start: number; end: number }[] };
      const list = out.get(f.source) ?? [];
      for (const s of a.sections) list.push({ startMs: f.startMs + s.start * 1000, endMs: f.startMs + s.end * 1000 });
      out.set(f.source, list);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out;
}

function draw(r: Row): void {
  const c = r.canvas;
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(100, Math.round(c.clientWidth * ratio));
  const height = Math.round(ROW_HEIGHT * ratio);
  if (c.width !== width) c.width = width;
  if (c.height !== height) c.height = height;
  const ctx = c.getContext('2d');
  if (!ctx) return;
  const x = (ms: number) => ((ms - dayStart) / (dayEnd - dayStart)) * width;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#f4f4f4';
  ctx.fillRect(0, 0, width, height);
  const band = height * 0.6;
  // Whole pixels, at least one wide: a 20-second recording in a 24-hour row still shows, unblurred.
  const bar = (sp: Span, top: number, h: number) => {
    const left = Math.floor(x(sp.startMs));
    ctx.fillRect(left, top, Math.max(1, Math.ceil(x(sp.endMs)) - left), h);
  };
  ctx.fillStyle = '#1a3d7c';
  for (const sp of r.spans) bar(sp, height * 0.15, band);
  ctx.fillStyle = '#d0182f';
  for (const sp of r.loud) bar(sp, height * 0.15, band * 0.35);
  // The clip (or the selection being dragged): amber over the band, its ends as dark lines.
  const clip = currentClip();
  const sel =
    r.dragging ??
    (clip.source === r.source && clip.start !== null && clip.end !== null && clip.end > clip.start
      ? { startMs: clip.start, endMs: clip.end }
      : null);
  if (sel && sel.endMs > dayStart && sel.startMs < dayEnd) {
    ctx.fillStyle = 'rgba(242, 178, 51, 0.6)';
    bar(sel, height * 0.05, height * 0.75);
    ctx.fillStyle = '#7a5200';
    for (const at of [sel.startMs, sel.endMs])
      ctx.fillRect(Math.round(x(at)), height * 0.05, Math.max(1, ratio), height * 0.75);
  }
  // Hour ticks at each whole hour of the zone's clock, labelled every third hour (the repeated hour shows twice).
  ctx.fillStyle = '#555';
  ctx.font = `${Math.round(10 * ratio)}px system-ui, sans-serif`;
  for (let h = Math.ceil(dayStart / 3_600_000) * 3_600_000; h < dayEnd; h += 3_600_000) {
    const w = wallOf(h, tz).wall;
    ctx.fillRect(x(h), height * 0.8, 1, height * 0.2);
    if (w.slice(14, 16) === '00' && Number(w.slice(11, 13)) % 3 === 0)
      ctx.fillText(w.slice(11, 13), x(h) + 2 * ratio, height - 1);
  }
  // The cursor: marks above and below the recorded band, so a short recording under it stays visible.
  ctx.fillStyle = '#000';
  const cx = Math.round(x(r.cursor));
  ctx.fillRect(cx - 2 * ratio, 0, 5 * ratio, height * 0.13);
  ctx.fillRect(cx - ratio, height * 0.77, 3 * ratio, height * 0.23);
}

function describe(r: Row): void {
  const state = covered(r.loud, r.cursor) ? 'recorded, loud' : covered(r.spans, r.cursor) ? 'recorded' : 'no recording';
  r.track.setAttribute('aria-valuenow', String(Math.round((r.cursor - dayStart) / 1000)));
  r.track.setAttribute('aria-valuetext', `${clock(r.cursor)}, ${state}`);
  r.track.dataset.ms = String(r.cursor);
}

/** A click beside a recording (a day is ~100 s a pixel) lands on it: the nearest span within `slack`, else `ms` itself. */
function snap(spans: readonly Span[], ms: number, slack: number): number {
  if (covered(spans, ms)) return ms;
  let best = ms;
  let distance = slack;
  for (const s of spans) {
    if (s.startMs > ms && s.startMs - ms <= distance) [best, distance] = [s.startMs, s.startMs - ms];
    if (s.endMs <= ms && ms - s.endMs < distance)
      [best, distance] = [Math.max(s.startMs, s.endMs - 1000), ms - s.endMs];
  }
  return best;
}

/** The row's text: its recorded spans, gaps and loud stretches (the file being recorded reaching `now`). */
function spanText(r: Row, now: number): void {
  const gaps = gapsOf(r.spans);
  const live = r.files.some((f) => f.recording && fileEnd(f, now) > dayStart);
  // Where the day's recording reaches (the file being recorded: its last chunk written), for scripts and tests.
  r.track.dataset.recordedTo = String(r.spans.at(-1)?.endMs ?? '');
  r.text.textContent =
    r.spans.length === 0
      ? 'No recording this day.'
      : `Recorded ${r.spans.map(range).join(', ')}${live ? ' (recording now)' : ''}.${gaps.length ? ` Gaps ${gaps.map(range).join(', ')}.` : ''}${r.loud.length ? ` ${r.loud.length} loud stretch${r.loud.length === 1 ? '' : 'es'}.` : ''}`;
}

/** Selects the recorded part of [a, b] of a row as the clip (a gap at either end left out) and plays from its start. */
function select(r: Row, a: number, b: number): void {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const inside = r.spans.filter((s) => s.endMs > lo && s.startMs < hi);
  if (inside.length === 0) {
    announce(`Nothing of ${r.source} was recorded between ${clock(lo)} and ${clock(hi)}: no clip.`);
    draw(r);
    return;
  }
  const start = Math.max(lo, inside[0]!.startMs);
  const end = Math.min(hi, inside.at(-1)!.endMs);
  move(r, start);
  selectClip(r.source, start, end, 'day timeline');
  play(r.source, start);
}

function move(r: Row, ms: number): void {
  r.cursor = Math.round(Math.max(dayStart, Math.min(dayEnd - 1000, ms)));
  describe(r);
  draw(r);
}

function rowOf(
  source: string,
  files: Rec[],
  loud: Span[],
  moment: { source: string; ms: number } | null,
): { el: HTMLElement; row: Row } {
  const now = liveEnds.get(source) ?? Date.now();
  const spans = spansOf(files, dayStart, dayEnd, now);
  const wrap = document.createElement('div');
  wrap.className = 'tl-row';
  const name = document.createElement('div');
  name.className = 'tl-name';
  name.id = `tl-name-${source}`;
  name.textContent = source;
  const track = document.createElement('div');
  track.className = 'tl-track';
  track.tabIndex = 0;
  track.setAttribute('role', 'slider');
  track.setAttribute('aria-labelledby', name.id);
  track.setAttribute('aria-describedby', `tl-spans-${source}`);
  track.setAttribute('aria-valuemin', '0');
  track.setAttribute('aria-valuemax', String(Math.round((dayEnd - dayStart) / 1000)));
  track.dataset.source = source;
  const canvas = document.createElement('canvas');
  canvas.setAttribute('aria-hidden', 'true');
  track.append(canvas);
  const text = document.createElement('p');
  text.className = 'tl-spans';
  text.id = `tl-spans-${source}`;
  wrap.append(name, track, text);
  const cursor =
    moment?.source === source && moment.ms >= dayStart && moment.ms < dayEnd
      ? moment.ms
      : (spans[0]?.startMs ?? dayStart);
  const row: Row = {
    source,
    files,
    spans,
    loud: loud
      .map((l) => ({ startMs: Math.max(dayStart, l.startMs), endMs: Math.min(dayEnd, l.endMs) }))
      .filter((l) => l.endMs > l.startMs),
    cursor,
    dragging: null,
    track,
    text,
    canvas,
  };
  spanText(row, now);
  track.addEventListener('keydown', (e) => {
    const steps: Record<string, number> = {
      ArrowRight: 60_000,
      ArrowUp: 60_000,
      ArrowLeft: -60_000,
      ArrowDown: -60_000,
      PageUp: 3_600_000,
      PageDown: -3_600_000,
    };
    if (e.key in steps) move(row, row.cursor + steps[e.key]!);
    else if (e.key === 'Home') move(row, dayStart);
    else if (e.key === 'End') move(row, dayEnd);
    else if (e.key === 'Enter' || e.key === ' ') play(source, row.cursor);
    else return;
    e.preventDefault();
  });
  // Pointer: a click plays from the point; a drag (or Shift+click from the cursor) selects a clip.
  wireSpanDrag(track, {
    msAt: (clientX) => {
      const rect = canvas.getBoundingClientRect();
      return Math.max(
        dayStart,
        Math.min(dayEnd, dayStart + ((clientX - rect.left) / rect.width) * (dayEnd - dayStart)),
      );
    },
    dragging: (span) => {
      row.dragging = span;
      draw(row);
    },
    dragged: (from, to) => select(row, from, to),
    clicked: (ms, shift) => {
      if (shift) return select(row, row.cursor, ms);
      const perPixel = (dayEnd - dayStart) / canvas.getBoundingClientRect().width;
      move(row, snap(row.spans, ms, 3 * perPixel));
      play(source, row.cursor);
    },
  });
  return { el: wrap, row };
}

let lastMoment: { source: string; ms: number } | null = null;

/** Shows `date` (YYYY-MM-DD in the page's zone). */
export async function showDay(date: string): Promise<void> {
  const mine = ++loading;
  day = date;
  $<HTMLInputElement>('tl-day').value = date;
  dayStart = startOfDay(date);
  dayEnd = startOfDay(nextDate(date, 1));
  const hours = Math.round((dayEnd - dayStart) / 3_600_000);
  $('tl-summary').textContent = `Loading ${date}…`;
  const files = await filesOfDay();
  const loud = await loudOf(files);
  if (mine !== loading) return;
  const sources = [...new Set([...knownSources(), ...files.map((f) => f.source)])].sort();
  const built = sources.map((s) =>
    rowOf(
      s,
      files.filter((f) => f.source === s),
      loud.get(s) ?? [],
      lastMoment,
    ),
  );
  $('timeline').replaceChildren(...built.map((b) => b.el));
  // Keep focus on the same source's row when the day is redrawn by a live event.
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.source;
  rows = built.map((b) => b.row);
  for (const r of rows) {
    describe(r);
    draw(r);
  }
  if (focused) rows.find((r) => r.source === focused)?.track.focus();
  $('tl-summary').textContent =
    `${date}, ${hours} hours${hours !== 24 ? ' (the clocks change this day)' : ''}: ${files.length} recording${files.length === 1 ? '' : 's'} of ${sources.length} source${sources.length === 1 ? '' : 's'}.`;
}

let reload: ReturnType<typeof setTimeout> | undefined;
/** Redraws the day shown a second from now (live events come in bursts). */
export function timelineRefresh(): void {
  if (!day) return;
  clearTimeout(reload);
  reload = setTimeout(() => void showDay(day), 1000);
}

/** A live event about a recording: redraws the day shown if the recording touches it. */
export function timelineFileEvent(r: Rec): void {
  if (r.startMs < dayEnd && fileEnd(r, Date.now()) >= dayStart) timelineRefresh();
}

export function wireTimeline(opts: {
  zone: string;
  play: (source: string, ms: number) => void;
  sources: () => readonly string[];
}): void {
  tz = opts.zone;
  play = opts.play;
  knownSources = opts.sources;
  $<HTMLFormElement>('tl-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $<HTMLInputElement>('tl-day').value;
    if (v) void showDay(v);
  });
  $('tl-prev').addEventListener('click', () => void showDay(nextDate(day, -1)));
  $('tl-next').addEventListener('click', () => void showDay(nextDate(day, 1)));
  window.addEventListener('resize', () => rows.forEach(draw));
  onClipChange(() => rows.forEach(draw));
  // A missed event (a reconnect) leaves the day stale: fetch it again now and then while a file is recorded.
  setInterval(() => {
    if (rows.some((r) => r.files.some((f) => f.recording))) void showDay(day);
  }, 30_000);
}

/**
 * A source's status: the file being recorded reaches the end of its last chunk written (`lastChunk`), so its
 * span grows on the timeline as the audio is written (and stops where the audio stops).
 */
export function timelineStatus(s: { source: string; file: string | null; lastChunk?: string | null }): void {
  const end = Date.parse(s.lastChunk ?? '');
  if (!s.file || !Number.isFinite(end)) return;
  liveEnds.set(s.source, end);
  const r = rows.find((x) => x.source === s.source);
  if (!r || !r.files.some((f) => f.recording && f.path === s.file)) return;
  r.spans = spansOf(r.files, dayStart, dayEnd, end);
  spanText(r, end);
  describe(r);
  draw(r);
}

/** Go-to moved to a moment: show its day with the source's cursor there. */
export function momentChosen(source: string, ms: number): void {
  lastMoment = { source, ms };
  const date = wallOf(ms, tz).wall.slice(0, 10);
  if (date !== day) void showDay(date);
  else {
    const r = rows.find((x) => x.source === source);
    if (r) move(r, ms);
  }
}

/** The first day shown: today in the page's zone. */
export function today(): string {
  return wallOf(Date.now(), tz).wall.slice(0, 10);
}
