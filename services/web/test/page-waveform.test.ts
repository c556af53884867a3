// The opened recording's waveform with peaks.js 4 in real Chromium (the page's CSP enforced: no bypass), on the
// fixture archive (page-fixture.ts: sidecars with 16-bit audiowaveform data, 0.01 s a pixel, loud 4–8 s and
// 14–16 s): a zoomable detail view over an overview, click to seek, zoom buttons, and no CSP refusal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { harness, type Harness } from './harness.ts';
import { berlinPage, fillArchive, launchChromium, PLAYER } from './page-fixture.ts';

let h: Harness;
let url = '';
let browser: Browser;
let page: Page;
const errors: string[] = [];
/** Pixels drawn (alpha > 0) on the canvases peaks.js made in a container. */
const ink = (id: string) =>
  page.evaluate(
    `[...document.querySelectorAll('#${id} canvas')].reduce((n, c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }, 0)`,
  ) as Promise<number>;
const currentTime = () => page.evaluate(`${PLAYER}.currentTime`) as Promise<number>;

before(async () => {
  h = await harness({ fill: fillArchive });
  url = await h.listen();
  browser = await launchChromium();
  page = await berlinPage(browser, errors);
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test('a closed recording shows peaks.js: detail view and overview drawn from the analysis, zoom buttons', async () => {
  await page.goto(`${url}/?source=studio&at=${encodeURIComponent('2026-10-24T14:32:02+02:00')}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#zoom-buttons').waitFor();
  assert.equal(await page.locator('#peaks').isVisible(), true);
  assert.equal(await page.locator('#live-wave').isVisible(), false, 'the live canvas gives way to peaks.js');
  assert.ok((await ink('zoomview')) > 5000, 'detail view drawn');
  assert.ok((await ink('overview')) > 2000, 'overview drawn');
  await page.evaluate(`${PLAYER}.pause()`);
  await page.getByRole('button', { name: 'Zoom out' }).click();
  await page.getByRole('button', { name: 'Zoom in' }).click();
  assert.deepEqual(errors, []);
});

test('a click on the overview seeks the player there', async () => {
  const box = (await page.locator('#overview').boundingBox())!;
  // The overview spans the whole 20 s file: three quarters in is 15 s.
  await page.locator('#overview').click({ position: { x: box.width * 0.75, y: box.height / 2 } });
  await page.waitForFunction(`Math.abs(${PLAYER}.currentTime - 15) < 0.5`, undefined, { timeout: 5000 });
  assert.ok(Math.abs((await currentTime()) - 15) < 0.5);
  // the slider's text follows the player's timeupdate, a moment after currentTime itself
  await page
    .waitForFunction(
      `/^14:32:1[45], 15 seconds in$/.test(document.querySelector('#waveform')?.getAttribute('aria-valuetext') ?? '')`,
      undefined,
      { timeout: 5000 },
    )
    .catch(() => undefined);
  assert.match((await page.locator('#waveform').getAttribute('aria-valuetext')) ?? '', /^14:32:1[45], 15 seconds in$/);
  assert.deepEqual(errors, []);
});
