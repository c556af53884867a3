// The archive table names each recording's file (the seed showed file names), in real Chromium against the real
// web app over a real socket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildWavHeader } from '../src/wav-header.ts';
import { harness, write, type Harness } from './harness.ts';
import { launchChromium } from './page-fixture.ts';

const FILE = 'studio/2026-11-24/2026-11-24_10-00-00+0100.wav';
let h: Harness;
let browser: Browser;
before(async () => {
  h = await harness({
    fill: async (root) =>
      void (await write(
        root,
        FILE,
        Buffer.concat([
          buildWavHeader({ sampleRate: 8000, channels: 1, bitsPerSample: 16, frames: 8000 }),
          Buffer.alloc(16000),
        ]),
      )),
  });
  await h.listen();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await h?.close();
});

test('each row shows its file name under a "File" column header', async () => {
  const page = await browser.newPage();
  await page.goto(h.url);
  const row = page.locator('#files tbody tr').first();
  await row.waitFor();
  const headers = await page.locator('#files thead th').allTextContents();
  const col = headers.indexOf('File');
  assert.ok(col > 0, `a File column: ${headers.join(', ')}`);
  // The row header (th) is column 0; data cells (td) follow in header order.
  assert.equal(await row.locator('th, td').nth(col).textContent(), '2026-11-24_10-00-00+0100.wav');
  assert.equal(await row.locator('th, td').nth(col).getAttribute('title'), FILE);
});
