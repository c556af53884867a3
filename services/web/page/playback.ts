/**
 * Two audio elements that play a source's recordings one after the other: the visible one (id `player`) plays,
 * the hidden one (id `player-next`) has the next file loaded ahead. When the playing file ends the other
 * starts at once and the two swap ids, so `#player` is always the one heard.
 */
import { $, enc, type Rec } from './dom.ts';

const els = [$<HTMLAudioElement>('player'), $<HTMLAudioElement>('player-next')] as const;
let queued: Rec | null = null;
let onAdvance: (r: Rec) => void = () => {};

/** The element playing (or ready to play) the opened recording. */
export const player = (): HTMLAudioElement => (els[0].id === 'player' ? els[0] : els[1]);
const standby = (): HTMLAudioElement => (els[0].id === 'player' ? els[1] : els[0]);

/** Adds a listener to both elements that runs only for the one playing. */
export function onPlayer(type: keyof HTMLMediaElementEventMap, fn: () => void): void {
  for (const el of els) el.addEventListener(type, () => el.id === 'player' && fn());
}

/** Loads a recording into the player (nothing queued after it yet). */
export function load(r: Rec): void {
  const p = player();
  p.src = `/stream/${enc(r.path)}`;
  p.dataset.path = r.path;
  queue(null);
}

/** Sets the recording that plays when the current one ends (null: none), and starts loading it. */
export function queue(r: Rec | null): void {
  if (r && queued?.path === r.path) return;
  queued = r;
  const s = standby();
  s.pause();
  if (r) {
    s.src = `/stream/${enc(r.path)}`;
    s.dataset.path = r.path;
    s.load();
  } else if (s.hasAttribute('src')) {
    s.removeAttribute('src');
    delete s.dataset.path;
    s.load();
  }
}

/** Called with the recording that took over when playback crossed into it. */
export function setAdvanceHandler(fn: (r: Rec) => void): void {
  onAdvance = fn;
}

/** Waits until the player knows its duration, then moves it to `seconds`. */
export async function seekWhenReady(seconds: number): Promise<void> {
  const p = player();
  if (p.readyState < 1) await new Promise((resolve) => p.addEventListener('loadedmetadata', resolve, { once: true }));
  p.currentTime = Math.max(0, seconds);
}

for (const el of els) {
  el.addEventListener('ended', () => {
    if (el.id !== 'player' || !queued) return;
    const next = standby();
    const r = queued;
    queued = null;
    // Start the preloaded file first, then swap the roles: the gap is what play() takes to start.
    next.currentTime = 0;
    void next.play().catch(() => {});
    el.id = 'player-next';
    next.id = 'player';
    next.hidden = false;
    el.hidden = true;
    onAdvance(r);
  });
}
