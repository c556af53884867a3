// The archive page's day timeline in real Chromium against the real web app over a real socket, on the
// fixture archive (page-fixture.ts), the browser in Europe/Berlin: one row per source for the day, recorded
// spans, the gaps where they are, loud stretches from the analyses' sidecars, a 25-hour fall-back day,
// keyboard (arrows ±1 min, Page keys ±1 h, Enter plays) and click to play; axe finds nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { harness, type Harness } from './harness.ts';
import { axeViolations, fillArchive, launchChromium, PLAYER, state } from './page-fixture.ts';

let h: Harness;
let url = '';
let browser: Browser;
let page: Page;
const errors: string[] = [];
const STUDIO = `#timeline [data-source="studio"]`;
const FM = `#timeline [data-source="fm"]`;

/** The colour drawn on a row's canvas at instant `ms` of the day [start, end). */
const colourAt = (row: string, start: number, end: number, ms: number) =>
  page.evaluate(
    `(() => { const c = document.querySelector('${row} canvas'); const x = Math.floor(((${ms} - ${start}) / (${end} - ${start})) * c.width); const d = c.getContext('2d').getImageData(x, Math.floor(c.height * 0.5), 1, 1).data; return d[2] > 100 && d[0] < 60 ? 'blue' : d[0] > 200 && d[1] > 200 ? 'grey' : 'other'; })()`,
  ) as Promise<string>;

async function showDay(day: string): Promise<void> {
  await page.locator('#tl-day').fill(day);
  await page.getByRole('button', { name: 'Show day' }).click();
  await page.waitForFunction(`document.getElementById('tl-summary').textContent.startsWith('${day},')`);
}

before(async () => {
  h = await harness({ fill: fillArchive });
  url = await h.listen();
  browser = await launchChromium();
  const context = await browser.newContext({
    bypassCSP: true,
    timezoneId: 'Europe/Berlin',
    viewport: { width: 1100, height: 900 },
  });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test('a day shows one row per source: recorded spans, the gaps where they are, loud stretches from the analyses', async () => {
  await showDay('2026-10-24');
  assert.equal(await page.locator('#tl-summary').textContent(), '2026-10-24, 24 hours: 5 recordings of 2 sources.');
  assert.deepEqual(await page.locator('#timeline .tl-name').allTextContents(), ['fm', 'studio']);
  assert.equal(
    await page.locator('#tl-spans-studio').textContent(),
    'Recorded 14:32:00–14:32:40, 14:33:00–14:33:20, 16:00:00–16:00:20. Gaps 14:32:40–14:33:00, 14:33:20–16:00:00. 8 loud stretches.',
  );
  assert.equal(await page.locator('#tl-spans-fm').textContent(), 'Recorded 14:32:00–14:32:20. 2 loud stretches.');
  // Drawn: recorded at 14:32 and 16:00, the gap between them and the empty morning grey (the cursor moved out of the way first).
  await page.locator(STUDIO).focus();
  await page.keyboard.press('Home');
  const start = Date.parse('2026-10-23T22:00:00Z');
  const end = Date.parse('2026-10-24T22:00:00Z');
  assert.equal(await colourAt(STUDIO, start, end, Date.parse('2026-10-24T12:32:10Z')), 'blue');
  assert.equal(await colourAt(STUDIO, start, end, Date.parse('2026-10-24T14:00:10Z')), 'blue');
  assert.equal(
    await colourAt(STUDIO, start, end, Date.parse('2026-10-24T13:15:00Z')),
    'grey',
    'the gap 14:33:20–16:00 is drawn empty',
  );
  assert.equal(await colourAt(STUDIO, start, end, Date.parse('2026-10-24T06:00:00Z')), 'grey');
  assert.equal(await page.locator(STUDIO).getAttribute('aria-valuemax'), '86400');
  assert.deepEqual(await axeViolations(page), []);
});

test('keyboard: arrows move a minute, Page Up/Down an hour, the slider says what is there, Enter plays from it', async () => {
  await page.locator(STUDIO).focus();
  await page.keyboard.press('Home');
  assert.equal(await page.locator(STUDIO).getAttribute('aria-valuetext'), '00:00:00, no recording');
  for (let i = 0; i < 15; i++) await page.keyboard.press('PageUp');
  await page.keyboard.press('PageDown');
  for (let i = 0; i < 34; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator(STUDIO).getAttribute('aria-valuetext'), '14:32:00, recorded');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator(STUDIO).getAttribute('aria-valuetext'), '14:33:00, recorded');
  await page.keyboard.press('ArrowRight');
  assert.equal(
    await page.locator(STUDIO).getAttribute('aria-valuetext'),
    '14:34:00, no recording',
    'the gap after 14:33:20',
  );
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    `${PLAYER}?.dataset.path === 'studio/2026-10-24/2026-10-24_14-33-00+0200.wav' && !${PLAYER}.paused`,
  );
  const s = await state(page);
  assert.ok(s.time < 1.5, `playhead at ${s.time} s, not at 14:33:00`);
  assert.equal(await page.locator('#goto-at').inputValue(), '2026-10-24T14:33', 'the go-to form follows the timeline');
  await page.evaluate(`${PLAYER}.pause()`);
});

test('a click beside a short recording (a day is ~100 s a pixel) plays it from the nearest point', async () => {
  const box = (await page.locator(`${FM} canvas`).boundingBox())!;
  const start = Date.parse('2026-10-23T22:00:00Z');
  const x = ((Date.parse('2026-10-24T12:32:10Z') - start) / 86_400_000) * box.width;
  await page.locator(`${FM} canvas`).click({ position: { x, y: box.height / 2 } });
  await page.waitForFunction(
    `${PLAYER}?.dataset.path === 'fm/2026-10-24/2026-10-24_14-32-00+0200.wav' && !${PLAYER}.paused`,
  );
  assert.match((await page.locator(FM).getAttribute('aria-valuetext')) ?? '', /^14:32:\d\d, recorded/);
  await page.evaluate(`${PLAYER}.pause()`);
});

test('the fall-back day is 25 hours wide and names the offset of each time in it', async () => {
  await showDay('2026-10-25');
  assert.equal(
    await page.locator('#tl-summary').textContent(),
    '2026-10-25, 25 hours (the clocks change this day): 3 recordings of 2 sources.',
  );
  assert.equal(await page.locator(STUDIO).getAttribute('aria-valuemax'), '90000');
  assert.equal(
    await page.locator('#tl-spans-studio').textContent(),
    'Recorded 02:30:00 UTC+02:00–02:30:20 UTC+02:00, 02:30:00 UTC+01:00–02:30:20 UTC+01:00. Gaps 02:30:20 UTC+02:00–02:30:00 UTC+01:00. 4 loud stretches.',
  );
  // Go to follows: the day shown and the source's cursor move to the moment.
  await page.locator('#goto-source').selectOption('studio');
  await page.locator('#goto-at').fill('2026-10-24T16:00:05');
  await page.getByRole('button', { name: 'Go and play' }).click();
  await page.waitForFunction(`document.getElementById('tl-summary').textContent.startsWith('2026-10-24,')`);
  await page.waitForFunction(
    `document.querySelector('${STUDIO}').getAttribute('aria-valuetext') === '16:00:05, recorded, loud'`,
  );
  assert.deepEqual(await axeViolations(page), []);
  assert.deepEqual(errors, []);
});
