// The fixture archive of the page's Chromium tests: real WAV files (8 kHz mono tones, 20 s each, loud in
// seconds 4–8 and 14–16) with the analyzer's sidecars, for two sources over two days, with a gap and
// Europe/Berlin's fall-back day (2026-10-25, when 02:00–03:00 happens twice); and the browser helpers.
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { wavFile } from '@isr/testkit';
import { write } from './harness.ts';

export const RATE = 8000;
export const SECONDS = 20;
/** The audio element heard (the page swaps two at a file split). */
export const PLAYER = `document.querySelector('audio.player:not([hidden])')`;

/** Seconds of each fixture file that are loud (the rest is quiet). */
export const LOUD = [
  [4, 8],
  [14, 16],
] as const;
const amplitude = (second: number) => (LOUD.some(([a, b]) => second >= a && second < b) ? 16000 : 200);

/** A mono 16-bit WAV of `SECONDS` of a tone (each file its own pitch, so files differ), loud in the LOUD seconds. */
export function wav(hz: number): Buffer {
  const frames = SECONDS * RATE;
  const pcm = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++)
    pcm.writeInt16LE(Math.round(amplitude(Math.floor(i / RATE)) * Math.sin((2 * Math.PI * hz * i) / RATE)), i * 2);
  return wavFile({ sampleRate: RATE, channels: 1, bitsPerSample: 16 }, pcm);
}

/** The analyzer's sidecar for such a file (its record's fields that web reads): levels, loud sections, a 0.01 s-per-pixel waveform. */
export function sidecar(path: string): string {
  const data: number[] = [];
  for (let px = 0; px < SECONDS * 100; px++) {
    const a = amplitude(Math.floor(px / 100));
    data.push(-a, a);
  }
  return JSON.stringify({
    path,
    source: path.slice(0, path.indexOf('/')),
    analyzedAt: '2026-10-26T00:00:00.000Z',
    container: 'wav',
    codec: 'pcm_s16le',
    sampleRate: RATE,
    channels: 1,
    frames: SECONDS * RATE,
    durationSeconds: SECONDS,
    rmsDbfs: -14.2,
    peakDbfs: -6.2,
    integratedLufs: -15.1,
    loudSections: LOUD.map(([start, end]) => ({ start, end, duration: end - start, maxRmsDbfs: -9.2, peakDbfs: -6.2 })),
    waveform: {
      version: 2,
      channels: 1,
      sample_rate: RATE,
      samples_per_pixel: RATE / 100,
      bits: 16,
      length: SECONDS * 100,
      data,
    },
  });
}

/** The fixture: studio plays on across 14:32:20, has gaps 14:32:40–14:33:00 and 14:33:20–16:00:00, and both 02:30s of the fall-back day. */
export const FILES = [
  'studio/2026-10-24/2026-10-24_14-32-00+0200.wav',
  'studio/2026-10-24/2026-10-24_14-32-20+0200.wav',
  'studio/2026-10-24/2026-10-24_14-33-00+0200.wav',
  'studio/2026-10-24/2026-10-24_16-00-00+0200.wav',
  'studio/2026-10-25/2026-10-25_02-30-00+0200.wav',
  'studio/2026-10-25/2026-10-25_02-30-00+0100.wav',
  'fm/2026-10-24/2026-10-24_14-32-00+0200.wav',
  'fm/2026-10-25/2026-10-25_02-30-00+0100.wav',
];

export async function axeViolations(p: Page): Promise<string[]> {
  await p.addScriptTag({ content: axe.source });
  return (await p.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' @ ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  )) as string[];
}

/** What the page plays: the file, its currentTime, whether it plays, and the instant on the page's own clock. */
export type State = { path: string | null; time: number; paused: boolean; atMs: number };
export const state = (p: Page) =>
  p.evaluate(
    `(() => { const a = ${PLAYER}; const c = document.getElementById('moment-clock'); return { path: a.dataset.path ?? null, time: a.currentTime, paused: a.paused, atMs: Number(c.dataset.ms) }; })()`,
  ) as Promise<State>;

/** Waits until go-to has opened `path`, moved the playhead and set the page clock. */
export async function landed(p: Page, path: string): Promise<void> {
  await p.waitForFunction(
    `${PLAYER}?.dataset.path === '${path}' && ${PLAYER}.readyState >= 2 && /^Playing /.test(document.getElementById('goto-text').textContent)`,
  );
}

/** Writes the fixture archive under `root`. */
export async function fillArchive(root: string): Promise<void> {
  for (const [i, f] of FILES.entries()) {
    await write(root, f, wav(220 + 110 * i));
    await write(root, `${f}.analysis.json`, sidecar(f));
  }
}

/** Debian Chromium, headless, allowed to play without a gesture. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/**
 * A page in Europe/Berlin (1100 × 900) under the page's own CSP (no bypassCSP: a refused inline script or style
 * is a console error; page.evaluate runs outside it), its console errors and uncaught errors appended to `errors`.
 */
export async function berlinPage(browser: Browser, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ timezoneId: 'Europe/Berlin', viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}
