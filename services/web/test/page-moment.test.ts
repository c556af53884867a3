// The archive page's "go to a time" in real Chromium (playwright-core) against the real web app over a real
// socket, on a fixture archive of real WAV files: two sources over two days, a gap, and Europe/Berlin's
// fall-back day (2026-10-25, when 02:00–03:00 happens twice). The browser runs in Europe/Berlin.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { harness, write, type Harness } from './harness.ts';

const RATE = 8000;
const SECONDS = 20;
let h: Harness;
let url = '';
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];

/** A mono 16-bit WAV of `seconds` of a tone (each file its own pitch, so files differ). */
function wav(seconds: number, hz: number): Buffer {
  const frames = seconds * RATE;
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
  for (let i = 0; i < frames; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / RATE)), 44 + i * 2);
  return b;
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
      for (const [i, f] of FILES.entries()) await write(root, f, wav(SECONDS, 220 + 110 * i));
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
