/**
 * The clip being made: a source and two instants, set by the player's "Clip starts/ends here" marks (the keyboard
 * way), a drag on the waveform's detail view or a drag (or Shift+click) on the day timeline. A whole clip offers
 * the audio (`/api/clip`) and its proof-of-broadcast provenance (the same URL with `manifest=1`): the recordings
 * it is cut from with the SHA-256 their manifest entries record, shown in a table and offered as JSON.
 */
import { $, announce } from './dom.ts';

export interface Clip {
  source: string;
  start: number | null;
  end: number | null;
}

interface FileProof {
  path: string;
  sha256: string | null;
  manifest: { path: string; entry: number } | null;
  chainBreak: { manifest: string; entry: number; detail: string } | null;
}

const clip: Clip = { source: '', start: null, end: null };
let label: (ms: number) => string = (ms) => new Date(ms).toISOString();
const listeners: ((c: Readonly<Clip>) => void)[] = [];
/** Bumped by every change, so a slow provenance answer for an older clip is thrown away. */
let generation = 0;

export const currentClip = (): Readonly<Clip> => clip;

/** Called with the clip after every change (the timeline draws it). */
export function onClipChange(fn: (c: Readonly<Clip>) => void): void {
  listeners.push(fn);
}

/** Marks one end of the clip at instant `ms` of `source` (another source's mark starts a new clip). */
export function markClip(which: 'start' | 'end', source: string, ms: number): void {
  if (clip.source !== source) Object.assign(clip, { source, start: null, end: null });
  clip[which] = Math.round(ms);
  changed();
}

/** Sets both ends at once (a selection on the waveform or the timeline). */
export function selectClip(source: string, start: number, end: number, from: string): void {
  Object.assign(clip, { source, start: Math.round(Math.min(start, end)), end: Math.round(Math.max(start, end)) });
  changed();
  if (clip.end! > clip.start!)
    announce(`Clip selected on the ${from}: ${source}, ${label(clip.start!)} to ${label(clip.end!)}.`);
}

function clipQuery(c: Clip): URLSearchParams {
  return new URLSearchParams({
    source: c.source,
    start: new Date(c.start!).toISOString(),
    end: new Date(c.end!).toISOString(),
  });
}

function changed(): void {
  const mine = ++generation;
  const link = $<HTMLAnchorElement>('clip-link');
  const proof = $<HTMLAnchorElement>('clip-proof');
  const text = $('clip-text');
  const area = $('clip-files');
  for (const fn of listeners) fn(clip);
  const { source, start, end } = clip;
  link.hidden = true;
  proof.hidden = true;
  area.hidden = true;
  if (start === null || end === null) {
    text.textContent =
      start !== null
        ? `Clip of ${source} starts at ${label(start)}; play on and mark its end.`
        : end !== null
          ? `Clip of ${source} ends at ${label(end)}; mark its start.`
          : '';
    return;
  }
  if (end <= start) {
    text.textContent = `The clip's end (${label(end)}) must be after its start (${label(start)}).`;
    return;
  }
  const q = clipQuery(clip);
  link.href = `/api/clip?${q}`;
  link.hidden = false;
  link.textContent = `Download the clip of ${source}, ${label(start)} to ${label(end)} (${((end - start) / 1000).toFixed(1)} s)`;
  q.set('manifest', '1');
  proof.href = `/api/clip?${q}`;
  proof.download = `${source}_${new Date(start).toISOString().replace(/[:.]/g, '-')}.provenance.json`;
  text.textContent = 'Looking up what the clip is cut from…';
  void showProvenance(proof.href, mine);
}

/** The provenance of the clip: one row per recording, its SHA-256 on record and its manifest entry. */
async function showProvenance(href: string, mine: number): Promise<void> {
  const text = $('clip-text');
  const res = await fetch(href).catch((err: Error) => ({
    ok: false,
    status: 0,
    statusText: err.message,
    json: () => Promise.resolve({}),
  }));
  const body = (await res.json().catch(() => ({}))) as { files?: FileProof[]; error?: string };
  if (mine !== generation) return;
  if (!res.ok || !body.files) {
    $('clip-link').hidden = true;
    text.textContent = `This clip cannot be cut: ${body.error ?? res.statusText}.`;
    return;
  }
  const rows = body.files.map((f) => {
    const tr = document.createElement('tr');
    const th = Object.assign(document.createElement('th'), { scope: 'row', textContent: f.path });
    const hash = Object.assign(document.createElement('td'), {
      className: 'hash',
      textContent: f.sha256 ?? 'none yet',
    });
    const where = f.manifest
      ? `entry ${f.manifest.entry} of ${f.manifest.path}`
      : 'in no manifest (being recorded, or never closed by a segmenter)';
    const entry = Object.assign(document.createElement('td'), {
      textContent: f.chainBreak
        ? `${where}; the chain is broken at entry ${f.chainBreak.entry} of ${f.chainBreak.manifest}: ${f.chainBreak.detail}`
        : where,
    });
    tr.append(th, hash, entry);
    return tr;
  });
  $<HTMLTableElement>('clip-files').tBodies[0]!.replaceChildren(...rows);
  $('clip-files').hidden = false;
  $('clip-proof').hidden = false;
  const onRecord = body.files.filter((f) => f.sha256 && !f.chainBreak).length;
  text.textContent = `Cut from ${body.files.length} recording${body.files.length === 1 ? '' : 's'}, ${onRecord} of them with a SHA-256 on record in an intact manifest chain.`;
}

/** The page's clock format for the texts (moment.ts's label). */
export function wireClip(opts: { label: (ms: number) => string }): void {
  label = opts.label;
}
