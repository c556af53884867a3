/**
 * "Go to a time": a source and a wall-clock time in the browser's zone (the UTC offset shown and, in the
 * repeated hour of a fall-back day, chosen) open the recording that holds that instant at that point; the
 * next file of the source is queued so playback runs on across the split. The page's own clock (file start
 * + currentTime) is shown, and "Copy link to this moment" makes a `/?source=S&at=ISO8601` deep link.
 */
import { markClip, wireClip } from './clip.ts';
import { openRecording, showRecording } from './detail.ts';
import { $, announce, type Rec } from './dom.ts';
import { onPlayer, player, queue, seekWhenReady, setAdvanceHandler } from './playback.ts';
import { browserZone, formatOffset, instantsOf, isoIn, wallOf } from './zoned-time.ts';

const tz = browserZone();
/** Files that start within this of the previous file's end continue it (the segmenter's files abut exactly; a coded split lands on the next frame). */
const ABUT_MS = 1000;
let playing: Rec | null = null;
let nextAfterGap: { source: string; ms: number } | null = null;
let onMoment: (source: string, ms: number) => void = () => {};

/** Called with each moment gone to (the day timeline follows it). */
export function setMomentHandler(fn: (source: string, ms: number) => void): void {
  onMoment = fn;
}

/** The sources the go-to form offers. */
export const knownSources = (): string[] => [...sourceSel().options].map((o) => o.value);

const form = () => $<HTMLFormElement>('goto');
const sourceSel = () => $<HTMLSelectElement>('goto-source');
const atInput = () => $<HTMLInputElement>('goto-at');
const offsetSel = () => $<HTMLSelectElement>('goto-offset');

/** `2026-10-25 02:30:10 UTC+01:00` in the page's zone. */
export function label(ms: number): string {
  const w = wallOf(ms, tz);
  return `${w.wall.replace('T', ' ')} UTC${formatOffset(w.offset)}`;
}

async function files(q: Record<string, string>): Promise<{ total: number; files: Rec[]; sources: string[] }> {
  const res = await fetch(`/api/files?${new URLSearchParams(q)}`);
  if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? res.statusText);
  return (await res.json()) as { total: number; files: Rec[]; sources: string[] };
}

/** The recording of `source` that holds instant `ms` (the latest to start at or before it), or null. */
async function recordingAt(source: string, ms: number): Promise<Rec | null> {
  const at = Math.floor(ms);
  const b = await files({ source, from: String(at), to: String(at + 1), limit: '10' });
  return b.files.find((f) => f.startMs <= ms) ?? null;
}

/** The first recording of `source` that starts after `ms` (within a week), or null. */
async function firstAfter(source: string, ms: number): Promise<Rec | null> {
  const q = { source, from: String(Math.floor(ms)), to: String(Math.floor(ms) + 7 * 86_400_000), limit: '1' };
  const { total } = await files(q);
  if (total === 0) return null;
  // Newest first: the oldest one in the window is the last.
  return (await files({ ...q, offset: String(total - 1) })).files[0] ?? null;
}

/** Queues the file that continues `r` without a gap, if there is one. */
async function queueAfter(r: Rec): Promise<void> {
  if (r.durationSeconds === null) return;
  const end = r.startMs + r.durationSeconds * 1000;
  const b = await files({
    source: r.source,
    from: String(Math.floor(end) - 1),
    to: String(Math.ceil(end) + ABUT_MS),
    limit: '10',
  });
  const next = b.files
    .filter((f) => f.path !== r.path && f.startMs > r.startMs)
    .sort((a, c) => a.startMs - c.startMs)[0];
  if (playing?.path === r.path) queue(next ?? null);
}

/** Opens `source` at instant `ms` and plays; a failed request is said in the go-to text, not thrown. */
export async function goTo(source: string, ms: number, opts: { focus?: boolean } = {}): Promise<void> {
  await openAt(source, ms, opts).catch((err: Error) => {
    $('goto-text').textContent = `Could not open ${source} at ${label(ms)}: ${err.message}.`;
  });
}

async function openAt(source: string, ms: number, opts: { focus?: boolean }): Promise<void> {
  const text = $('goto-text');
  const nextButton = $('goto-next');
  nextButton.hidden = true;
  fill(source, ms);
  onMoment(source, ms);
  text.textContent = `Looking for ${source} at ${label(ms)}…`;
  const r = await recordingAt(source, ms);
  if (!r) {
    const next = await firstAfter(source, ms);
    nextAfterGap = next ? { source, ms: next.startMs } : null;
    nextButton.hidden = !next;
    text.textContent = `No recording of ${source} holds ${label(ms)}; ${next ? `the next starts at ${label(next.startMs)}.` : 'none follows within a week.'}`;
    return;
  }
  playing = r;
  // The player's source is set at once; the analysis loads beside the seek, not before it.
  void openRecording(r, { focus: opts.focus ?? true });
  await seekWhenReady((ms - r.startMs) / 1000);
  tick();
  text.textContent = `Playing ${source} from ${label(ms)}.`;
  void queueAfter(r);
  await player()
    .play()
    .catch(() => announce('Press Play to listen (the browser did not allow playing by itself).'));
}

/** The offsets the typed wall time may mean: one, two in a repeated hour, none in a skipped hour. */
function updateOffsets(prefer?: number): void {
  const sel = offsetSel();
  const wall = atInput().value;
  const at = wall ? instantsOf(wall.length === 16 ? `${wall}:00` : wall, tz) : null;
  const time = wall.slice(11);
  sel.replaceChildren();
  if (!at) return;
  if (at.length === 0) sel.add(new Option('none: the clocks skipped this time', ''));
  for (const [i, a] of at.entries()) {
    let text = `UTC${formatOffset(a.offset)}`;
    if (at.length > 1)
      text += ` (the ${i === 0 ? 'first' : 'second'} ${time}${at[0]!.offset > at[1]!.offset ? (i === 0 ? ', summer time' : ', standard time') : ''})`;
    sel.add(new Option(text, String(a.offset)));
  }
  if (prefer !== undefined && at.some((a) => a.offset === prefer)) sel.value = String(prefer);
}

function chosenInstant(): number | null {
  const wall = atInput().value;
  const at = instantsOf(wall.length === 16 ? `${wall}:00` : wall, tz);
  return at?.find((a) => String(a.offset) === offsetSel().value)?.ms ?? null;
}

/** Puts a source and an instant into the form (a deep link, the timeline, or the form itself). */
function fill(source: string, ms: number): void {
  sourceSel().value = source;
  const w = wallOf(ms, tz);
  atInput().value = w.wall;
  updateOffsets(w.offset);
}

/** The instant the player is at: its file's start plus currentTime. */
function instantNow(): number | null {
  return playing ? playing.startMs + player().currentTime * 1000 : null;
}

let shownSecond = NaN;
function tick(): void {
  const ms = instantNow();
  const clock = $('moment-clock');
  if (ms === null) return;
  clock.dataset.ms = String(Math.round(ms));
  const second = Math.floor(ms / 1000);
  if (second !== shownSecond) {
    shownSecond = second;
    clock.textContent = label(second * 1000);
  }
}

function runClock(): void {
  tick();
  if (!player().paused) requestAnimationFrame(runClock);
}

function wireClipMarks(): void {
  const mark = (which: 'start' | 'end') => {
    const ms = instantNow();
    if (ms === null || !playing) return;
    markClip(which, playing.source, ms);
  };
  $('mark-start').addEventListener('click', () => mark('start'));
  $('mark-end').addEventListener('click', () => mark('end'));
  wireClip({ label });
}

/** Adds the sources to the go-to choice (keeps the one chosen). */
export function addSources(sources: readonly string[]): void {
  const sel = sourceSel();
  const known = new Set([...sel.options].map((o) => o.value));
  for (const s of sources) if (!known.has(s)) sel.add(new Option(s, s));
}

/** Called when any recording is opened (from the table too): the clock and the queue follow it. */
export function recordingOpened(r: Rec): void {
  playing = r;
  shownSecond = NaN;
  tick();
  void queueAfter(r);
}

/** A live event about a recording: when the one playing closes, or its source opens the next file, queue what follows. */
export function recordingUpdated(r: Rec): void {
  if (!playing || r.source !== playing.source) return;
  if (r.path === playing.path) playing = r;
  void queueAfter(playing);
}

export async function wireMoment(): Promise<void> {
  $('goto-zone').textContent = tz;
  addSources((await files({ limit: '1' })).sources);
  atInput().addEventListener('input', () => updateOffsets());
  form().addEventListener('submit', (e) => {
    e.preventDefault();
    const ms = chosenInstant();
    if (ms === null) {
      const wall = atInput().value;
      $('goto-text').textContent = wall
        ? `${(wall.length === 16 ? `${wall}:00` : wall).replace('T', ' ')} does not exist in ${tz} (the clocks skipped it).`
        : 'Choose a date and time.';
      return;
    }
    void goTo(sourceSel().value, ms);
  });
  $('goto-next').addEventListener('click', () => {
    if (!nextAfterGap) return;
    fill(nextAfterGap.source, nextAfterGap.ms);
    void goTo(nextAfterGap.source, nextAfterGap.ms);
  });
  onPlayer('playing', runClock);
  onPlayer('seeked', tick);
  onPlayer('timeupdate', tick);
  setAdvanceHandler((r) => {
    playing = r;
    void showRecording(r);
    announce(`Playing on into ${r.source}, ${label(r.startMs)}.`);
    void queueAfter(r);
  });
  $('copy-link').addEventListener('click', () => {
    const ms = instantNow();
    if (ms === null || !playing) return;
    const link = `${location.origin}/?${new URLSearchParams({ source: playing.source, at: isoIn(Math.floor(ms / 1000) * 1000, tz) })}`;
    const input = $<HTMLInputElement>('moment-link');
    input.value = link;
    $('moment-link-area').hidden = false;
    input.select();
    navigator.clipboard?.writeText(link).then(
      () => announce('Link to this moment copied.'),
      () => announce('The link is selected below: copy it with Ctrl+C.'),
    );
  });
  wireClipMarks();
  // A deep link: /?source=S&at=ISO8601 opens there.
  const q = new URLSearchParams(location.search);
  const source = q.get('source');
  const at = Date.parse(q.get('at') ?? '');
  if (source && Number.isFinite(at)) {
    addSources([source]);
    fill(source, at);
    await goTo(source, at, { focus: false });
  }
}
