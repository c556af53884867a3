// The archive page's "go to a time" in real Chromium (playwright-core) against the real web app over a real
// socket, on a fixture archive of real WAV files: two sources over two days, a gap, and Europe/Berlin's
// fall-back day (2026-10-25, when 02:00–03:00 happens twice). The browser runs in Europe/Berlin.
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '@isr/testkit';
import { harness, write, type Harness } from './harness.ts';

const RATE = 8000;
const SECONDS = 20;
const PLAYER = `document.querySelector('audio.player:not([hidden])')`;
let h: Harness;
let url = '';
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

/** Seconds of each fixture file that are loud (the rest is quiet). */
const LOUD = [[4, 8], [14, 16]] as const;
const amplitude = (second: number) => (LOUD.some(([a, b]) => second >= a && second < b) ? 16000 : 200);

/** A mono 16-bit WAV of `SECONDS` of a tone (each file its own pitch, so files differ), loud in the LOUD seconds. */
function wav(hz: number): Buffer {
  const frames = SECONDS * RATE;
  const b = Buffer.alloc(44 + frames * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + frames * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(RATE, 24);
  b.writeUInt32LE(RATE * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++) b.writeInt16LE(Math.round(amplitude(Math.floor(i / RATE)) * Math.sin((2 * Math.PI * hz * i) / RATE)), 44 + i * 2);
  return b;
}

/** The analyzer's sidecar for such a file (its record's fields that web reads): levels, loud sections, a 0.1 s-per-pixel waveform. */
function sidecar(path: string): string {
  const data: number[] = [];
  for (let px = 0; px < SECONDS * 10; px++) {
    const a = amplitude(Math.floor(px / 10));
    data.push(-a, a);
  }
  return JSON.stringify({
    path, source: path.slice(0, path.indexOf('/')), analyzedAt: '2026-10-26T00:00:00.000Z', container: 'wav', codec: 'pcm_s16le', sampleRate: RATE, channels: 1, frames: SECONDS * RATE, durationSeconds: SECONDS,
    rmsDbfs: -14.2, peakDbfs: -6.2, integratedLufs: -15.1,
    loudSections: LOUD.map(([start, end]) => ({ start, end, duration: end - start, maxRmsDbfs: -9.2, peakDbfs: -6.2 })),
    waveform: { version: 2, channels: 1, sample_rate: RATE, samples_per_pixel: RATE / 10, bits: 16, length: SECONDS * 10, data },
  });
}

/** The fixture: studio plays on across 14:32:20, has a gap 14:32:40–14:33:00, and both 02:30s of the fall-back day. */
const FILES = [
  'studio/2026-10-24/2026-10-24_14-32-00+0200.wav',
  'studio/2026-10-24/2026-10-24_14-32-20+0200.wav',
  'studio/2026-10-24/2026-10-24_14-33-00+0200.wav',
  'studio/2026-10-25/2026-10-25_02-30-00+0200.wav',
  'studio/2026-10-25/2026-10-25_02-30-00+0100.wav',
  'fm/2026-10-24/2026-10-24_14-32-00+0200.wav',
  'fm/2026-10-25/2026-10-25_02-30-00+0100.wav',
];

async function axeViolations(p: Page): Promise<string[]> {
  await p.addScriptTag({ content: axe.source });
  return (await p.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' @ ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`)) as string[];
}

/** What the page plays: the file, its currentTime, whether it plays, and the instant on the page's own clock. */
type State = { path: string | null; time: number; paused: boolean; atMs: number };
const state = (p: Page) => p.evaluate(`(() => { const a = ${PLAYER}; const c = document.getElementById('moment-clock'); return { path: a.dataset.path ?? null, time: a.currentTime, paused: a.paused, atMs: Number(c.dataset.ms) }; })()`) as Promise<State>;

/** Waits until go-to has opened `path`, moved the playhead and set the page clock. */
async function landed(p: Page, path: string): Promise<void> {
  await p.waitForFunction(`${PLAYER}?.dataset.path === '${path}' && ${PLAYER}.readyState >= 2 && /^Playing /.test(document.getElementById('goto-text').textContent)`);
}

async function newPage(): Promise<Page> {
  const p = await context.newPage();
  p.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return p;
}

before(async () => {
  h = await harness({
    fill: async (root) => {
      for (const [i, f] of FILES.entries()) {
        await write(root, f, wav(220 + 110 * i));
        await write(root, `${f}.analysis.json`, sidecar(f));
      }
    },
  });
  url = await h.listen();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'] });
  // axe is injected as a script tag, which the page's CSP (script-src 'self') would refuse.
  context = await browser.newContext({ bypassCSP: true, timezoneId: 'Europe/Berlin', locale: 'en-GB', viewport: { width: 1100, height: 900 } });
  page = await newPage();
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test('the page loads without a failed request (it logged a 404 for /favicon.ico on every load)', async () => {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForTimeout(300);
  assert.deepEqual(errors, []);
  assert.equal((await fetch(`${url}/favicon.svg`)).headers.get('content-type'), 'image/svg+xml');
  assert.deepEqual(await axeViolations(page), []);
});

test('the go-to form names the browser’s zone and the sources, and axe finds nothing', async () => {
  assert.equal(await page.locator('#goto-zone').textContent(), 'Europe/Berlin');
  assert.deepEqual(await page.locator('#goto-source option').allTextContents(), ['fm', 'studio']);
  assert.deepEqual(await axeViolations(page), []);
});

test('go to a time on the fall-back day: both 02:30s are offered by UTC offset, each lands in its own file within 1 s', async () => {
  await page.getByLabel('Source', { exact: true }).first().selectOption('studio');
  await page.locator('#goto-at').fill('2026-10-25T02:30:10');
  assert.deepEqual(await page.locator('#goto-offset option').allTextContents(), ['UTC+02:00 (the first 02:30:10, summer time)', 'UTC+01:00 (the second 02:30:10, standard time)']);
  await page.locator('#goto-offset').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Go and play' }).click();
  await landed(page, 'studio/2026-10-25/2026-10-25_02-30-00+0100.wav');
  let s = await state(page);
  assert.ok(Math.abs(s.time - 10) < 1, `playhead at ${s.time} s, not 10 s`);
  assert.ok(Math.abs(s.atMs - Date.parse('2026-10-25T01:30:10Z')) < 1000, `page clock at ${new Date(s.atMs).toISOString()}`);
  assert.match((await page.locator('#moment-clock').textContent()) ?? '', /^2026-10-25 02:30:1\d UTC\+01:00$/);
  // The summer-time 02:30:10 is the other file, an hour earlier.
  await page.locator('#goto-offset').selectOption({ index: 0 });
  await page.getByRole('button', { name: 'Go and play' }).click();
  await landed(page, 'studio/2026-10-25/2026-10-25_02-30-00+0200.wav');
  s = await state(page);
  assert.ok(Math.abs(s.time - 10) < 1, `playhead at ${s.time} s`);
  assert.deepEqual(await axeViolations(page), []);
  await page.evaluate(`${PLAYER}.pause()`);
  await mkdir(join(repoRoot, 'test-output'), { recursive: true });
  const shot = join(repoRoot, 'test-output', 'web-goto.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.ISR_UPDATE_SCREENSHOT) await copyFile(shot, join(repoRoot, 'docs', 'archive-goto.png'));
});

test('a time no recording holds says so and names the gap', async () => {
  await page.locator('#goto-at').fill('2026-10-24T14:32:50');
  await page.getByRole('button', { name: 'Go and play' }).click();
  await page.waitForFunction(`/No recording of studio holds 2026-10-24 14:32:50/.test(document.getElementById('goto-text').textContent)`);
  assert.match((await page.locator('#goto-text').textContent()) ?? '', /next starts at 2026-10-24 14:33:00/);
});

test('playback crosses into the next file without a gap, the page clock continuing', async () => {
  await page.locator('#goto-source').selectOption('studio');
  await page.locator('#goto-at').fill('2026-10-24T14:32:18');
  await page.getByRole('button', { name: 'Go and play' }).click();
  await page.waitForFunction(`${PLAYER}?.dataset.path === 'studio/2026-10-24/2026-10-24_14-32-00+0200.wav' && !${PLAYER}.paused`);
  // Sample the page every 20 ms for 4 s: which file, its currentTime, the page clock.
  const samples = (await page.evaluate(`new Promise((done) => { const out = []; const t0 = performance.now(); const tick = () => { const a = ${PLAYER}; out.push({ t: performance.now() - t0, path: a.dataset.path, time: a.currentTime, paused: a.paused, atMs: Number(document.getElementById('moment-clock').dataset.ms) }); if (performance.now() - t0 < 4000) setTimeout(tick, 20); else done(out); }; tick(); })`)) as { t: number; path: string; time: number; paused: boolean; atMs: number }[];
  const next = samples.filter((x) => x.path === 'studio/2026-10-24/2026-10-24_14-32-20+0200.wav');
  assert.ok(next.length > 0, 'never reached the next file');
  const last = samples.at(-1)!;
  assert.equal(last.paused, false);
  assert.ok(last.time > 0.5, `next file at ${last.time} s`);
  // The page clock never runs back and stalls for less than 300 ms at the boundary.
  let stall = 0;
  let since = samples[0]!;
  for (const x of samples.slice(1)) {
    assert.ok(x.atMs >= since.atMs - 5, `page clock ran back from ${since.atMs} to ${x.atMs}`);
    if (x.atMs > since.atMs) since = x;
    else stall = Math.max(stall, x.t - since.t);
  }
  assert.ok(stall < 300, `page clock stalled ${stall.toFixed(0)} ms`);
  assert.ok(Math.abs(last.atMs - (Date.parse('2026-10-24T12:32:20Z') + last.time * 1000)) < 100, 'page clock = next file start + currentTime');
  console.log(`boundary: longest page-clock stall ${stall.toFixed(0)} ms over ${samples.length} samples`);
});

test('the copied link to this moment opens the same file at the same time', async () => {
  await page.locator('#goto-source').selectOption('fm');
  await page.locator('#goto-at').fill('2026-10-25T02:30:05');
  await page.locator('#goto-offset').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Go and play' }).click();
  await landed(page, 'fm/2026-10-25/2026-10-25_02-30-00+0100.wav');
  await page.evaluate(`${PLAYER}.pause()`);
  const before = await state(page);
  await page.getByRole('button', { name: 'Copy link to this moment' }).click();
  const link = await page.locator('#moment-link').inputValue();
  const expected = new Date(Math.floor(before.atMs / 1000) * 1000);
  assert.equal(link, `${url}/?source=fm&at=${encodeURIComponent('2026-10-25T02:30:0' + String(expected.getUTCSeconds() % 10) + '+01:00')}`);
  const p2 = await newPage();
  await p2.goto(link);
  await landed(p2, 'fm/2026-10-25/2026-10-25_02-30-00+0100.wav');
  const s = await state(p2);
  assert.ok(Math.abs(s.atMs - expected.getTime()) < 1000, `deep link at ${new Date(s.atMs).toISOString()}, link said ${expected.toISOString()}`);
  assert.equal(await p2.locator('#goto-source').inputValue(), 'fm');
  assert.equal(await p2.locator('#goto-at').inputValue(), `2026-10-25T02:30:0${expected.getUTCSeconds() % 10}`);
  assert.equal(await p2.locator('#goto-offset').inputValue(), '60');
  assert.deepEqual(await axeViolations(p2), []);
  await p2.close();
});

test('keyboard only: Tab to the form, choose source and time, Enter plays that moment', async () => {
  const p = await newPage();
  const tabToSource = async () => {
    await p.goto(url);
    await p.waitForSelector('body[data-ready="true"]');
    let id = '';
    for (let i = 0; i < 10 && id !== 'goto-source'; i++) {
      await p.keyboard.press('Tab');
      id = (await p.evaluate('document.activeElement.id')) as string;
    }
    assert.equal(id, 'goto-source');
  };
  // The field's part order follows Chromium's UI language (not the context's locale): probe it on a first load.
  await tabToSource();
  await p.keyboard.press('Tab');
  await p.keyboard.type('01022003');
  await p.keyboard.press('ArrowRight');
  await p.keyboard.type('141010');
  const dayFirst = (await p.locator('#goto-at').inputValue()).startsWith('2003-02-01');
  await tabToSource();
  await p.keyboard.press('ArrowDown'); // fm → studio
  await p.keyboard.press('Tab');
  assert.equal(await p.evaluate('document.activeElement.id'), 'goto-at');
  await p.keyboard.type(dayFirst ? '24102026' : '10242026');
  await p.keyboard.press('ArrowRight'); // the year part takes up to six digits
  await p.keyboard.type('143205');
  assert.equal(await p.locator('#goto-at').inputValue(), '2026-10-24T14:32:05');
  await p.keyboard.press('Enter');
  await p.waitForFunction(`${PLAYER}?.dataset.path === 'studio/2026-10-24/2026-10-24_14-32-00+0200.wav' && !${PLAYER}.paused && ${PLAYER}.currentTime > 5.2`);
  const s = await state(p);
  assert.ok(Math.abs(s.time - 5) < 1.5, `playhead at ${s.time}`);
  assert.equal(await p.evaluate('document.activeElement.id'), 'detail', 'focus moves to the opened recording');
  await p.close();
  assert.deepEqual(errors, []);
});
