// Clip from the view, in real Chromium against the real web app over a real socket (the page's CSP enforced), on
// the fixture archive (page-fixture.ts) whose first two studio files were closed into the manifest by the real
// ManifestWriter: a drag across the waveform's detail view or a row of the day timeline selects a clip, which
// offers the audio (/api/clip) and its provenance — the recordings with their SHA-256 on record, as a table and
// as the JSON of /api/clip?…&manifest=1; a click on the detail view still seeks; a clip longer than
// clip_max_minutes says why it cannot be cut.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ManifestWriter, sha256Hex } from '@isr/runtime';
import { repoRoot } from '@isr/testkit';
import { harness, type Harness } from './harness.ts';
import axe from 'axe-core';
import { berlinPage, fillArchive, launchChromium, PLAYER } from './page-fixture.ts';

const A = 'studio/2026-10-24/2026-10-24_14-32-00+0200.wav';
const B = 'studio/2026-10-24/2026-10-24_14-32-20+0200.wav';
const C = 'studio/2026-10-24/2026-10-24_14-33-00+0200.wav';
const STUDIO = `#timeline [data-source="studio"]`;
/** The day 2026-10-24 in Europe/Berlin. */
const DAY_START = Date.parse('2026-10-23T22:00:00Z');
const DAY_MS = 86_400_000;

let h: Harness;
let browser: Browser;
let page: Page;
const errors: string[] = [];
const sha: Record<string, string> = {};

/** The clip the download link asks for, as instants. */
async function linkedClip(): Promise<{ source: string; start: number; end: number }> {
  const href = (await page.locator('#clip-link').getAttribute('href'))!;
  const q = new URL(href, h.url).searchParams;
  return { source: q.get('source')!, start: Date.parse(q.get('start')!), end: Date.parse(q.get('end')!) };
}

/** The provenance table's rows: recording, SHA-256, manifest entry. */
const provenanceRows = () =>
  page
    .locator('#clip-files tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));

/** axe-core's violations: injected with evaluate, which runs outside the page's CSP (an inline script tag would be refused). */
async function axeViolations(): Promise<string[]> {
  await page.evaluate(axe.source);
  return (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' @ ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  )) as string[];
}

/** Waits until a browser-side expression is true (polled with evaluate: the page's CSP refuses waitForFunction's string predicates). */
async function until(expr: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !(await page.evaluate(expr)); await setTimeout(100))
    if (Date.now() > end) throw new Error(`not true within ${ms} ms: ${expr}`);
}

/** Drags the mouse across an element from x0 to x1 (its own pixels), in steps. */
async function drag(selector: string, x0: number, x1: number): Promise<void> {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = (await page.locator(selector).boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + x0, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + x0 + ((x1 - x0) * i) / 10, y);
  await page.mouse.up();
}

before(async () => {
  h = await harness({
    fill: async (r) => {
      await fillArchive(r);
      const w = new ManifestWriter();
      for (const [rel, start] of [
        [A, '2026-10-24T12:32:00.000Z'],
        [B, '2026-10-24T12:32:20.000Z'],
      ] as const) {
        const data = await readFile(join(r, rel));
        sha[rel] = sha256Hex(data);
        const end = new Date(Date.parse(start) + 20_000).toISOString();
        await w.append(
          { root: r, source: 'studio', day: '2026-10-24' },
          {
            op: 'closed',
            path: rel,
            start,
            end,
            frames: 160_000,
            durationSeconds: 20,
            bytes: data.length,
            sha256: sha[rel],
          },
        );
      }
    },
  });
  await h.listen();
  browser = await launchChromium();
  page = await berlinPage(browser, errors);
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test('a drag across the waveform’s detail view selects a clip: audio and provenance offered, the file’s SHA-256 on record shown', async () => {
  await page.goto(`${h.url}/?source=studio&at=${encodeURIComponent('2026-10-24T14:32:02+02:00')}`);
  await page.waitForSelector('body[data-ready="true"]');
  await page.locator('#zoom-buttons').waitFor();
  await page.evaluate(`${PLAYER}.pause()`);
  assert.equal(await page.locator('#clip-link').isVisible(), false, 'no clip before a selection');
  // The detail view shows the data at its own scale: 0.01 s a pixel, from the file's start.
  await drag('#zoomview', 100, 400);
  await page.locator('#clip-files').waitFor();
  const clip = await linkedClip();
  const t0 = Date.parse('2026-10-24T12:32:00Z');
  assert.equal(clip.source, 'studio');
  assert.ok(
    Math.abs(clip.start - (t0 + 1000)) <= 100,
    `clip starts ${(clip.start - t0) / 1000} s into the file, not 1 s`,
  );
  assert.ok(Math.abs(clip.end - (t0 + 4000)) <= 100, `clip ends ${(clip.end - t0) / 1000} s into the file, not 4 s`);
  assert.match(
    (await page.locator('#clip-link').textContent())!,
    /^Download the clip of studio, 2026-10-24 14:32:01 UTC\+02:00 to 2026-10-24 14:32:0[34] UTC\+02:00 \(3\.\d s\)$/,
  );
  assert.deepEqual(await provenanceRows(), [[A, sha[A], 'entry 1 of studio/2026-10-24/manifest.jsonl']]);
  assert.equal(
    await page.locator('#clip-text').textContent(),
    'Cut from 1 recording, 1 of them with a SHA-256 on record in an intact manifest chain.',
  );
  // The provenance link is the clip's own URL with manifest=1: the JSON an archive of evidence keeps.
  const proof = page.getByRole('link', { name: 'Download its provenance (JSON)' });
  assert.match((await proof.getAttribute('download'))!, /^studio_2026-10-24T12-32-0\d-\d{3}Z\.provenance\.json$/);
  const json = (await (await fetch(new URL((await proof.getAttribute('href'))!, h.url))).json()) as {
    source: string;
    start: string;
    end: string;
    files: { path: string; sha256: string | null }[];
  };
  assert.deepEqual(
    [json.source, Date.parse(json.start), Date.parse(json.end), json.files.map((f) => [f.path, f.sha256])],
    ['studio', clip.start, clip.end, [[A, sha[A]]]],
  );
  // The audio link cuts exactly that span: 8 kHz mono 16-bit, a 44-byte header.
  const audio = await fetch(new URL((await page.locator('#clip-link').getAttribute('href'))!, h.url));
  assert.equal(audio.status, 200);
  assert.equal((await audio.arrayBuffer()).byteLength, 44 + Math.round(((clip.end - clip.start) / 1000) * 8000) * 2);
  assert.deepEqual(await axeViolations(), []);
  // The recording with its clip selected (ISR_UPDATE_SCREENSHOT=1 refreshes the docs' copy).
  await mkdir(join(repoRoot, 'test-output'), { recursive: true });
  const shot = join(repoRoot, 'test-output', 'web-clip.png');
  await page.locator('#detail').screenshot({ path: shot });
  if (process.env.ISR_UPDATE_SCREENSHOT) await copyFile(shot, join(repoRoot, 'docs', 'archive-clip.png'));
  assert.deepEqual(errors, []);
});

test('a click on the detail view (no drag) seeks and leaves the clip as it was', async () => {
  const before = await linkedClip();
  const box = (await page.locator('#zoomview').boundingBox())!;
  await page.locator('#zoomview').click({ position: { x: 600, y: box.height / 2 } });
  await until(`Math.abs(${PLAYER}.currentTime - 6) < 0.2`);
  assert.deepEqual(await linkedClip(), before);
  assert.deepEqual(errors, []);
});

test('dragging the end marker of the selection on the waveform moves the clip’s end', async () => {
  const before = await linkedClip();
  const t0 = Date.parse('2026-10-24T12:32:00Z');
  // The end marker sits at the selection's end: (end − file start) × 100 px a second.
  const x = ((before.end - t0) / 1000) * 100;
  const href = (await page.locator('#clip-link').getAttribute('href'))!;
  await drag('#zoomview', x, x + 200);
  await until(`document.getElementById('clip-link').getAttribute('href') !== ${JSON.stringify(href)}`);
  const after = await linkedClip();
  assert.equal(after.start, before.start, 'the start stays');
  assert.ok(
    Math.abs(after.end - (before.end + 2000)) <= 100,
    `the end moved by ${(after.end - before.end) / 1000} s, not 2 s`,
  );
  assert.deepEqual(errors, []);
});

test('a drag across a row of the day timeline selects the recorded time in it (across a split and a gap) and plays from its start', async () => {
  await page.locator(STUDIO).waitFor();
  const box = (await page.locator(`${STUDIO} canvas`).boundingBox())!;
  const x = (utc: string) => ((Date.parse(utc) - DAY_START) / DAY_MS) * box.width;
  // Where each player was when it started playing: read at the event, not when a poll gets to it (a busy machine
  // polls late, and a player that started at 0 s is past 1 s by then). Media events do not bubble: captured.
  await page.evaluate(
    `window.isrPlays = []; document.addEventListener('playing', (e) => window.isrPlays.push({ path: e.target.dataset.path, time: e.target.currentTime }), true)`,
  );
  // 14:20 to 14:40 Berlin time: the recorded part is 14:32:00 (a file's start) to 14:33:20 (the end of the file after the gap).
  await drag(`${STUDIO} canvas`, x('2026-10-24T12:20:00Z'), x('2026-10-24T12:40:00Z'));
  await page.locator('#clip-text', { hasText: /^Cut from 3 recordings/ }).waitFor();
  assert.deepEqual(await linkedClip(), {
    source: 'studio',
    start: Date.parse('2026-10-24T12:32:00Z'),
    end: Date.parse('2026-10-24T12:33:20Z'),
  });
  assert.deepEqual(await provenanceRows(), [
    [A, sha[A], 'entry 1 of studio/2026-10-24/manifest.jsonl'],
    [B, sha[B], 'entry 2 of studio/2026-10-24/manifest.jsonl'],
    [C, 'none yet', 'in no manifest (being recorded, or never closed by a segmenter)'],
  ]);
  assert.equal(
    await page.locator('#clip-text').textContent(),
    'Cut from 3 recordings, 2 of them with a SHA-256 on record in an intact manifest chain.',
  );
  await until(`window.isrPlays.some((p) => p.path === '${A}')`);
  const plays = (await page.evaluate(`window.isrPlays`)) as { path: string; time: number }[];
  const first = plays.find((p) => p.path === A)!;
  assert.ok(first.time < 1, `plays from the clip’s start, not ${first.time} s into ${A}`);
  await page.evaluate(`${PLAYER}.pause()`);
  // The clip is drawn on the row in amber over the recorded blue (below the cursor's top mark, above its bottom one).
  const amber = (await page.evaluate(
    `(() => { const c = document.querySelector('${STUDIO} canvas'); const x = Math.floor(${(Date.parse('2026-10-24T12:32:40Z') - DAY_START) / DAY_MS} * c.width); const d = c.getContext('2d').getImageData(x, Math.floor(c.height * 0.6), 1, 1).data; return d[0] > 120 && d[2] < 110; })()`,
  )) as boolean;
  assert.ok(amber, 'the selection is drawn on the timeline');
  assert.deepEqual(await axeViolations(), []);
  assert.deepEqual(errors, []);
});

test('Shift+click on the timeline selects from the row’s cursor; a clip over clip_max_minutes says why it cannot be cut', async () => {
  await page.locator(STUDIO).focus();
  await page.keyboard.press('Home');
  for (let i = 0; i < 16; i++) await page.keyboard.press('PageUp');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator(STUDIO).getAttribute('aria-valuetext'), '16:01:00, no recording');
  const box = (await page.locator(`${STUDIO} canvas`).boundingBox())!;
  await page.locator(`${STUDIO} canvas`).click({
    modifiers: ['Shift'],
    position: { x: ((Date.parse('2026-10-24T12:20:00Z') - DAY_START) / DAY_MS) * box.width, y: box.height / 2 },
  });
  // 14:32:00 to 16:00:20 is 88 minutes; the harness allows 10.
  await page.locator('#clip-text', { hasText: /^This clip cannot be cut: / }).waitFor();
  assert.equal(
    await page.locator('#clip-text').textContent(),
    'This clip cannot be cut: clips are limited to 10 minutes (clip_max_minutes).',
  );
  assert.equal(await page.locator('#clip-link').isVisible(), false);
  assert.equal(await page.locator('#clip-files').isVisible(), false);
  assert.deepEqual(
    errors.filter((e) => !/status of 400/.test(e)),
    [],
    'only the refused clip’s 400 is logged',
  );
});
