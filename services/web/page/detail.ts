/** The opened recording: player, waveform slider, loud sections, clip export, keep mark, delete. */
import { selectClip } from './clip.ts';
import { $, announce, enc, type Rec, type Section, type Summary } from './dom.ts';
import { clockAt, formatBytes, formatDuration, levelLabel, startLabel } from './format.ts';
import { load, onPlayer, player, queue } from './playback.ts';
import { hidePeaks, peaksShown, showPeaks, zoom } from './waveform-player.ts';
import { focusRow, loadList, markCurrent } from './table.ts';
import { drawWaveform, type Wave } from './waveform.ts';

const canvas = $<HTMLCanvasElement>('live-wave');
/** The keyboard slider around the waveform views (peaks.js for a closed file, the live canvas while recording). */
const slider = $('waveform');
let current: Rec | null = null;
let wave: Wave = { peaks: [], duration: 0, sections: [] };
let live: number[] = [];
let livePairSeconds = 0.05;
let deleteEnabled = false;

export const currentRecording = (): Rec | null => current;

export function setDeleteEnabled(on: boolean): void {
  deleteEnabled = on;
}

function redraw(): void {
  const liveSeconds = (live.length / 2) * livePairSeconds;
  const duration =
    current?.durationSeconds ??
    (current?.recording ? liveSeconds : Number.isFinite(player().duration) ? player().duration : 0);
  const peaks = wave.peaks.length ? wave.peaks : live;
  canvas.hidden = peaksShown();
  $('zoom-buttons').hidden = !peaksShown();
  if (!peaksShown())
    drawWaveform(canvas, { ...wave, peaks, duration: wave.duration || duration }, player().currentTime);
  slider.setAttribute('aria-valuemax', String(Math.round(wave.duration || duration)));
  slider.setAttribute('aria-valuenow', String(Math.round(player().currentTime)));
  slider.setAttribute(
    'aria-valuetext',
    current
      ? `${clockAt(current.start, player().currentTime)}, ${Math.round(player().currentTime)} seconds in`
      : '0 seconds',
  );
}

function seek(seconds: number): void {
  const max = Number.isFinite(player().duration) ? player().duration : wave.duration;
  player().currentTime = Math.max(0, Math.min(seconds, max || seconds));
  redraw();
}

export async function loadAnalysis(r: Rec): Promise<void> {
  const text = $('waveform-text');
  const list = $('sections');
  list.replaceChildren();
  wave = { peaks: [], duration: 0, sections: [] };
  hidePeaks();
  if (r.recording) {
    text.textContent =
      'Being recorded: the waveform grows from live levels; loud sections are listed once the file is closed and analyzed.';
    redraw();
    return;
  }
  text.textContent = 'Loading analysis…';
  const res = await fetch(`/api/analyze?file=${encodeURIComponent(r.path)}`);
  if (current?.path !== r.path) return;
  if (res.status === 202) {
    text.textContent = 'Analysis requested; it will appear here when ready.';
    return;
  }
  if (!res.ok) {
    const e = (await res.json().catch(() => ({}))) as { error?: string };
    text.textContent = `No analysis: ${e.error ?? res.statusText}.`;
    redraw();
    return;
  }
  const a = (await res.json()) as {
    sections: Section[];
    waveform: { data: number[]; samples_per_pixel: number; sample_rate: number; bits: number; channels: number } | null;
    summary: Summary;
  };
  const w = a.waveform;
  const scale = w ? 2 ** ((w.bits || 16) - 1) : 1;
  const peaks = w ? w.data.map((v) => v / scale) : [];
  const duration = w
    ? ((peaks.length / 2 / Math.max(1, w.channels)) * w.samples_per_pixel) / w.sample_rate
    : (r.durationSeconds ?? 0);
  wave = { peaks, duration, sections: a.sections };
  if (w)
    await showPeaks(
      { version: 2, length: Math.floor(w.data.length / 2 / Math.max(1, w.channels)), ...w },
      a.sections,
      (start, end) => selectClip(r.source, r.startMs + start * 1000, r.startMs + end * 1000, 'waveform'),
    );
  if (current?.path !== r.path) return;
  text.textContent = `${levelLabel(a.summary)}. Loud sections are marked in red on the waveform and listed below.`;
  for (const s of a.sections) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = `Jump to ${clockAt(r.start, s.start)}, ${Math.round(s.end - s.start)} s`;
    b.addEventListener('click', () => {
      seek(s.start);
      void player()
        .play()
        .catch(() => {});
    });
    li.append(b);
    list.append(li);
  }
  if (a.sections.length === 0)
    list.append(Object.assign(document.createElement('li'), { textContent: 'No loud sections.' }));
  redraw();
}

/** Opens a recording in the detail view and (unless told not to) moves focus there. */
export async function openRecording(r: Rec, opts: { focus?: boolean } = {}): Promise<void> {
  load(r);
  $('detail').hidden = false;
  if (opts.focus !== false) $('detail').focus();
  await showRecording(r);
}

/** Shows a recording in the detail view (heading, links, keep mark, analysis) without touching the player: also used when playback crosses into the next file. */
export async function showRecording(r: Rec): Promise<void> {
  current = r;
  live = [];
  markCurrent(r.path);
  $('detail').hidden = false;
  $('detail-heading').textContent = `${r.source}, ${startLabel(r.start)}`;
  $('detail-meta').textContent =
    `${r.container.toUpperCase()}, ${formatBytes(r.bytes)}, ${r.recording ? 'being recorded now' : formatDuration(r.durationSeconds)}.`;
  $<HTMLAnchorElement>('download').href = `/download/${enc(r.path)}`;
  showKeep(r);
  await loadAnalysis(r);
}

/** A live event about a file: keeps the opened one current (and loads its analysis once it is closed). */
export function fileUpdated(r: Rec): void {
  if (current?.path !== r.path) return;
  const wasRecording = current.recording;
  current = r;
  showKeep(r);
  if (wasRecording && !r.recording) void loadAnalysis(r);
}

/** The keep mark (legal hold) and Delete: a kept recording offers to lift the mark instead of Delete. */
function showKeep(r: Rec): void {
  $('keep-area').hidden = !deleteEnabled;
  $('keep-state').textContent = r.keep
    ? 'Kept: retention, the disk guard and Delete leave this recording alone.'
    : 'Not kept: deleted after keep_days, or earlier when the disk is full.';
  $('keep-toggle').textContent = r.keep ? 'Lift the keep mark' : 'Keep this recording';
  $('delete-area').hidden = !deleteEnabled || r.recording || Boolean(r.keep);
}

/** Live level pairs of the source being recorded grow its waveform. */
export function levelArrived(l: { source: string; waveform: number[]; pairSeconds?: number }): void {
  if (!current?.recording || current.source !== l.source || wave.peaks.length) return;
  if (l.pairSeconds) livePairSeconds = l.pairSeconds;
  live.push(...l.waveform);
  if (live.length > 20_000) live = live.slice(-20_000);
  redraw();
}

export function wireDetail(): void {
  $('close-detail').addEventListener('click', () => {
    player().pause();
    queue(null);
    $('detail').hidden = true;
    const p = current?.path;
    current = null;
    if (p) focusRow(p);
  });
  onPlayer('timeupdate', redraw);
  onPlayer('loadedmetadata', redraw);
  canvas.addEventListener('click', (e) => {
    const rect = canvas.getBoundingClientRect();
    const d = wave.duration || (Number.isFinite(player().duration) ? player().duration : 0);
    seek(((e.clientX - rect.left) / rect.width) * d);
  });
  $('zoom-in').addEventListener('click', () => zoom(-1));
  $('zoom-out').addEventListener('click', () => zoom(1));
  slider.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 30 : 5;
    const d = wave.duration || player().duration || 0;
    const now = player().currentTime;
    const keys: Record<string, number> = {
      ArrowRight: now + step,
      ArrowUp: now + step,
      ArrowLeft: now - step,
      ArrowDown: now - step,
      PageUp: now + 60,
      PageDown: now - 60,
      Home: 0,
      End: d,
    };
    const to = keys[e.key];
    if (to === undefined) return;
    e.preventDefault();
    seek(to);
  });
  $<HTMLFormElement>('clip').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!current) return;
    const a = Number($<HTMLInputElement>('clip-start').value);
    const b = Number($<HTMLInputElement>('clip-end').value);
    if (!(b > a)) {
      announce('The clip end must be after its start.');
      return;
    }
    const q = new URLSearchParams({
      source: current.source,
      start: new Date(current.startMs + a * 1000).toISOString(),
      end: new Date(current.startMs + b * 1000).toISOString(),
    });
    location.href = `/api/clip?${q}`;
  });
  $<HTMLFormElement>('keep-area').addEventListener('submit', (e) => {
    e.preventDefault();
    const r = current;
    if (!r) return;
    const cred = $<HTMLInputElement>('keep-token').value;
    const auth = cred.includes(':') ? `Basic ${btoa(cred)}` : `Bearer ${cred}`;
    void fetch(`/api/keep/${enc(r.path)}`, {
      method: r.keep ? 'DELETE' : 'PUT',
      headers: { authorization: auth },
    }).then(async (res) => {
      const body = (await res.json().catch(() => ({}))) as { keep?: boolean; error?: string };
      if (!res.ok) return announce(`Keep mark not changed: ${body.error ?? res.statusText}`);
      r.keep = Boolean(body.keep);
      if (current?.path === r.path) showKeep(r);
      announce(
        r.keep
          ? `${r.source}, ${startLabel(r.start)} is kept.`
          : `Keep mark lifted from ${r.source}, ${startLabel(r.start)}.`,
      );
    });
  });
  const dialog = $<HTMLDialogElement>('confirm-delete');
  $('delete').addEventListener('click', () => {
    if (!current) return;
    $('confirm-text').textContent =
      `This permanently deletes ${current.source}, ${startLabel(current.start)} and its analysis.`;
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'delete' || !current) return;
    const cred = $<HTMLInputElement>('delete-token').value;
    const auth = cred.includes(':') ? `Basic ${btoa(cred)}` : `Bearer ${cred}`;
    const r = current;
    void fetch(`/api/files/${enc(r.path)}`, { method: 'DELETE', headers: { authorization: auth } }).then(
      async (res) => {
        if (res.ok) {
          announce(`Deleted ${r.source}, ${startLabel(r.start)}.`);
          $('detail').hidden = true;
          current = null;
          await loadList();
          $('recordings').focus();
        } else {
          const body = (await res.json().catch(() => ({}))) as { error?: string };
          announce(`Not deleted: ${body.error ?? res.statusText}`);
        }
      },
    );
  });
}
