// The archive page as users see it, against real peers: nats-server, the BUILT segmenter and analyzer
// and web as real processes, PCM chunks published with the contract's headers, and Debian Chromium driven
// by playwright-core with axe-core. Proves: rows from a real segmenter run, playback with Range seeking,
// waveform and loud sections from the real analyzer, the live REC badge, the day timeline's file being recorded
// growing with the segmenter's status and its successor queued when it closes, 0 axe violations in both states.
import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { encodeAudioHeaders, Subjects, type AudioChunkMeta } from '@isr/contract';
import { toHeaders } from '@isr/runtime';
import {
  freePort,
  repoRoot,
  startNatsServer,
  startService,
  tempDir,
  waitFor,
  type NatsServerHandle,
  type ServiceHandle,
} from '@isr/testkit';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { bundlePage } from '../../services/web/scripts/bundle-page.ts';
import { axeViolations, launchChromium } from '../../services/web/test/page-fixture.ts';
import { parseWavHeader } from '@isr/audio';

const RATE = 16_000;
const SOURCE = 'studio';
const SPLIT_MS = 3000;
const HOURLY = 'hourly';
let nats: NatsServerHandle;
let tmp: { path: string; remove(): Promise<void> };
const services: ServiceHandle[] = [];
let web: ServiceHandle;
let url = '';
let nc: NatsConnection;
let js: JetStreamClient;
let browser: Browser;
let page: Page;
let t0 = 0;
let published = 0;
const session = `s-${Date.now()}`;
const PLAYER = `document.getElementById('player')`;
/** Pixels drawn in the waveform: peaks.js's canvases for a closed file, the live canvas while recording (hidden ones excluded). */
const INK = `[...document.querySelectorAll('#waveform canvas')].filter((c) => c.offsetParent !== null).reduce((n, c) => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }, 0)`;

/** 1 s loud (440 Hz at half scale), 1 s near-silent, repeating: the analyzer finds loud sections. */
function signal(fromFrame: number, frames: number): Buffer {
  const b = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++) {
    const n = fromFrame + i;
    const loud = Math.floor(n / RATE) % 2 === 0;
    b.writeInt16LE(Math.round((loud ? 16000 : 20) * Math.sin((2 * Math.PI * 440 * n) / RATE)), i * 2);
  }
  return b;
}

async function publishUntil(seconds: number): Promise<void> {
  published = await publishPcm(SOURCE, session, t0, published, seconds);
}

/** Publishes a source's PCM from frame `from` up to `seconds` of audio in 100 ms chunks; returns the new end. */
async function publishPcm(
  source: string,
  sess: string,
  startMs: number,
  from: number,
  seconds: number,
): Promise<number> {
  const chunk = RATE / 10;
  let at = from;
  while (at < seconds * RATE) {
    const meta: AudioChunkMeta = {
      source,
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: RATE,
      channels: 1,
      session: sess,
      sessionStartMs: startMs,
      seq: at / chunk + 1,
      offset: at,
      frames: chunk,
    };
    await js.publish(Subjects.audio(source), signal(at, chunk), { headers: toHeaders(encodeAudioHeaders(meta)) });
    at += chunk;
  }
  return at;
}

/** Opens a row's recording in the player, closing the recording open there first (if one is). */
async function openRecording(row: Locator): Promise<void> {
  await page
    .getByRole('button', { name: 'Close recording' })
    .click()
    .catch(() => undefined);
  await row.getByRole('button', { name: /^Open/ }).click();
}

before(async () => {
  await bundlePage();
  [nats, tmp] = await Promise.all([startNatsServer(), tempDir('isr-e2e-web-')]);
  const rec = join(tmp.path, 'rec');
  await mkdir(rec);
  const config = join(tmp.path, 'config.ini');
  await writeFile(
    config,
    [
      '[general]',
      `output_directory = ${join(tmp.path, 'elsewhere')}`,
      'split_minutes = 0.05',
      'timezone = UTC',
      'idle_close_seconds = 120',
      'status_interval_seconds = 0.5',
      'header_rewrite_seconds = 1',
      'commit_interval_seconds = 0.2',
      'min_section_seconds = 0.5',
      '',
      `[${SOURCE}]`,
      'type = soundcard',
      `sample_rate = ${RATE}`,
      'channels = 1',
      '',
      `[${HOURLY}]`,
      'type = soundcard',
      `sample_rate = ${RATE}`,
      'channels = 1',
      '',
    ].join('\n'),
  );
  // The segmenter and analyzer write to the same directory web is pointed at with the seed's --dir flag.
  const env = async () => ({
    NATS_URL: nats.url,
    METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    ISR_OUTPUT_DIRECTORY: rec,
  });
  const segEnv = await env();
  services.push(startService('segmenter', ['--config', config], segEnv));
  await waitFor(
    'segmenter /healthz',
    () =>
      fetch(`http://127.0.0.1:${segEnv.METRICS_PORT}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
  );
  services.push(startService('analyzer', ['--config', config], await env()));
  const port = await freePort();
  web = startService('web', ['--config', config, '--dir', rec, '--port', String(port)], {
    NATS_URL: nats.url,
    LOG_LEVEL: 'info',
    ISR_WEB_DELETE_TOKEN: 'e2e-token',
  });
  services.push(web);
  url = `http://127.0.0.1:${port}`;
  await waitFor(
    `web /healthz\n${web.output()}`,
    () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
  );
  nc = await connect({ servers: nats.url });
  js = jetstream(nc);
  // Start on a split boundary a little in the past; 7 s of audio make two closed files and one being recorded.
  t0 = Math.floor(Date.now() / SPLIT_MS) * SPLIT_MS - SPLIT_MS;
  await publishUntil(7);
  await waitFor(
    'two closed files and one being recorded in /api/files',
    async () => {
      const b = (await (await fetch(`${url}/api/files`)).json()) as {
        files: { recording: boolean; durationSeconds: number | null }[];
      };
      return b.files.length === 3 && b.files.filter((f) => f.recording).length === 1;
    },
    30_000,
    200,
  );
  browser = await launchChromium();
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1100, height: 900 } });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await nc?.close();
  for (const s of services.reverse()) await s.stop();
  await nats?.stop();
  await tmp?.remove();
});

test('the page lists the real segmenter’s recordings with a live REC badge, and axe finds nothing', async () => {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  const rows = page.locator('#files tbody tr');
  assert.equal(await rows.count(), 3);
  assert.equal(await page.locator('#files tbody .rec').count(), 1);
  const first = rows.first();
  assert.equal(await first.locator('th').textContent(), SOURCE);
  assert.ok((await first.locator('.rec').count()) === 1, 'newest row is the one being recorded');
  assert.deepEqual(await axeViolations(page), []);
  // More audio: the file being recorded closes at its split and a new one opens — the page follows over SSE.
  await publishUntil(10);
  await page.waitForFunction(`document.querySelectorAll('#files tbody tr').length === 4`, undefined, {
    timeout: 30_000,
  });
  await page.waitForFunction(
    `(() => { const r = document.querySelectorAll('#files tbody tr'); return r[0].querySelector('.rec') !== null && r[1].querySelector('.rec') === null; })()`,
    undefined,
    { timeout: 30_000 },
  );
  assert.equal(await page.locator('#files tbody .rec').count(), 1);
  const newest = await page.locator('#files tbody tr').first().getAttribute('data-path');
  type Status = { active: { source: string; file: string }[]; sources: { source: string; state: string }[] };
  // KV isr_status is written every status_interval_seconds: wait for it to name the new file.
  const status = await waitFor(
    'isr_status to name the new file',
    async () => {
      const s = (await (await fetch(`${url}/api/status`)).json()) as Status;
      return s.active[0]?.file === newest ? s : null;
    },
    10_000,
    100,
  );
  assert.deepEqual(
    status.active.map((a) => [a.source, a.file]),
    [[SOURCE, newest]],
  );
  assert.equal(status.sources.find((x) => x.source === SOURCE)?.state, 'recording');
  // Keyboard: Down moves between the rows' Open buttons; the filter form works without a mouse.
  await page.locator('#files tbody tr').first().getByRole('button', { name: /^Open/ }).focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(`document.activeElement.closest('tr').rowIndex`), 2);
  await page.locator('#filters').getByLabel('Date').fill('2001-01-01');
  await page.getByRole('button', { name: 'Apply filter' }).press('Enter');
  await page.waitForFunction(`document.getElementById('list-summary').textContent === 'No recordings match.'`);
  await page.getByRole('button', { name: 'Clear filter' }).press('Enter');
  await page.waitForFunction(`document.querySelectorAll('#files tbody tr').length === 4`);
  await page.locator('#filters').getByLabel('Source').selectOption(SOURCE);
  await page.getByRole('button', { name: 'Apply filter' }).click();
  await page.waitForFunction(
    `document.getElementById('list-summary').textContent === 'Showing recordings 1 to 4 of 4.'`,
  );
});

test('opening a closed recording plays it, seeks via Range, shows the waveform and loud sections as buttons', async () => {
  const closedRow = page.locator('#files tbody tr').nth(2);
  await closedRow.getByRole('button', { name: /^Open/ }).click();
  await page.waitForFunction(`${PLAYER}.readyState >= 2`, undefined, { timeout: 20_000 });
  const sections = page.locator('#sections button');
  await sections.first().waitFor({ timeout: 30_000 });
  const label = (await sections.first().textContent()) ?? '';
  assert.match(label, /^Jump to \d{2}:\d{2}:\d{2}, \d+ s$/);
  await sections.first().click();
  await page.evaluate(`${PLAYER}.pause()`);
  // Seek by keyboard on the waveform slider: End, then Home.
  await page.locator('#waveform').focus();
  await page.keyboard.press('End');
  await page.waitForFunction(`${PLAYER}.currentTime > 2.5`);
  await page.evaluate(
    `new Promise((r) => { const a = ${PLAYER}; a.addEventListener('seeked', () => r(), { once: true }); a.currentTime = 1.5; })`,
  );
  const t = (await page.evaluate(`${PLAYER}.currentTime`)) as number;
  assert.ok(Math.abs(t - 1.5) < 0.05, `seeked to ${t}`);
  const inked = (await page.evaluate(INK)) as number;
  assert.ok(inked > 1000, `waveform drew ${inked} pixels`);
  assert.match((await page.locator('#waveform').getAttribute('aria-valuetext')) ?? '', /seconds in/);
  assert.deepEqual(await axeViolations(page), []);
  // The seed's threshold override goes to the real analyzer over isr.analyze: above the tone's RMS, no section.
  const path = (await closedRow.getAttribute('data-path'))!;
  const strict = await fetch(`${url}/api/analyze?file=${encodeURIComponent(path)}&threshold=0.9`);
  assert.equal(strict.status, 200);
  assert.deepEqual(((await strict.json()) as { sections: unknown[] }).sections, []);
  const normal = (await (await fetch(`${url}/api/analyze?file=${encodeURIComponent(path)}`)).json()) as {
    sections: unknown[];
  };
  assert.ok(normal.sections.length >= 1);
  await mkdir(join(repoRoot, 'test-output'), { recursive: true });
  const shot = join(repoRoot, 'test-output', 'web-archive.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.ISR_UPDATE_SCREENSHOT) await copyFile(shot, join(repoRoot, 'docs', 'archive.png'));
});

test('the file being recorded shows a waveform growing from the analyzer’s live levels', async () => {
  await page.locator('#files tbody tr').first().getByRole('button', { name: /^Open/ }).click();
  await page.waitForFunction(`/Being recorded/.test(document.getElementById('waveform-text').textContent)`);
  const ink = () => page.evaluate(INK) as Promise<number>;
  const before = await ink();
  await publishUntil(11.5);
  await waitFor('live levels drawn on the waveform', async () => (await ink()) > before + 1000, 20_000, 200);
  assert.deepEqual(await axeViolations(page), []);
});

test('the day timeline’s live file grows with the segmenter’s status, and when it closes the next file is queued for playback', async () => {
  // The file being recorded is open in the player (nothing follows it yet).
  const live = page.locator('#files tbody tr').first();
  const livePath = (await live.getAttribute('data-path'))!;
  assert.equal(await live.locator('.rec').count(), 1);
  await openRecording(live);
  await page.waitForFunction(`document.getElementById('player').dataset.path === ${JSON.stringify(livePath)}`);
  assert.equal(await page.evaluate(`document.getElementById('player-next').dataset.path ?? null`), null);
  const track = `#timeline [data-source="${SOURCE}"]`;
  const spanText = () => page.locator(`#tl-spans-${SOURCE}`).textContent() as Promise<string>;
  // The row reaches the end of the last chunk written (the status's lastChunk: audio time, not the clock).
  await page.waitForFunction(
    `Number(document.querySelector('${track}').dataset.recordedTo) === ${t0 + (published / RATE) * 1000}`,
    undefined,
    { timeout: 10_000 },
  );
  assert.match(await spanText(), /\(recording now\)/);
  const firstText = await spanText();
  // 1.5 s more audio: the live file closes at its split and its successor opens; the page queues the successor.
  await publishUntil(13);
  await page.waitForFunction(
    `(() => { const r = document.querySelectorAll('#files tbody tr'); return r[0].querySelector('.rec') !== null && r[0].dataset.path !== ${JSON.stringify(livePath)}; })()`,
    undefined,
    { timeout: 30_000 },
  );
  const successor = (await page.locator('#files tbody tr').first().getAttribute('data-path'))!;
  await page.waitForFunction(
    `document.getElementById('player-next').dataset.path === ${JSON.stringify(successor)}`,
    undefined,
    { timeout: 10_000 },
  );
  await page.waitForFunction(
    `Number(document.querySelector('${track}').dataset.recordedTo) === ${t0 + 13_000}`,
    undefined,
    { timeout: 10_000 },
  );
  // Then the successor itself grows, seen in the row's text too (a second more at least).
  await publishUntil(14.5);
  await page.waitForFunction(
    `Number(document.querySelector('${track}').dataset.recordedTo) === ${t0 + 14_500}`,
    undefined,
    { timeout: 10_000 },
  );
  const end = (text: string) => /–(\d\d:\d\d:\d\d) \(recording now\)/.exec(text)?.[1] ?? '';
  const [before, after] = [end(firstText), end(await spanText())];
  assert.ok(
    before !== '' && after > before,
    `the recorded span's end moved on: ${before} → ${after} (${await spanText()})`,
  );
  assert.deepEqual(await axeViolations(page), []);
});

test('a clip across an hour boundary of the real segmenter’s files equals their frames', async () => {
  // 4 s of audio starting 2 s before the last full hour: the segmenter splits at hh:00:00.
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  await publishPcm(HOURLY, `h-${Date.now()}`, hour - 2000, 0, 4);
  type Files = { files: { path: string; startMs: number }[] };
  let last: Files | null = null;
  const files = await waitFor(
    'two hourly files',
    async () => {
      const b = (last = (await (await fetch(`${url}/api/files?source=${HOURLY}`)).json()) as Files);
      return b.files.length === 2 ? b.files.reverse() : null;
    },
    30_000,
    200,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(last)}\n${services[0]!.output().slice(-3000)}`);
  });
  assert.equal(files[1]!.startMs, hour);
  const pcm = async (rel: string) => {
    const buf = Buffer.from(
      await (await fetch(`${url}/stream/${rel.split('/').map(encodeURIComponent).join('/')}`)).arrayBuffer(),
    );
    return buf.subarray(parseWavHeader(buf).dataOffset);
  };
  const [a, b] = [await pcm(files[0]!.path), await pcm(files[1]!.path)];
  await waitFor(
    'the second file to hold 1.5 s',
    async () => (await pcm(files[1]!.path)).length >= 1.5 * RATE * 2,
    20_000,
    200,
  );
  const res = await fetch(
    `${url}/api/clip?source=${HOURLY}&start=${new Date(hour - 1000).toISOString()}&end=${new Date(hour + 1500).toISOString()}`,
  );
  assert.equal(res.status, 200, await res.clone().text());
  const clip = Buffer.from(await res.arrayBuffer());
  const expected = Buffer.concat([
    a.subarray(a.length - RATE * 2),
    (await pcm(files[1]!.path)).subarray(0, 1.5 * RATE * 2),
  ]);
  assert.equal(a.length, 2 * RATE * 2);
  assert.ok(b.length > 0);
  assert.ok(
    clip.subarray(parseWavHeader(clip).dataOffset).equals(expected),
    `clip of ${clip.length - 44} bytes differs from the files' ${expected.length}`,
  );
});

test('keeping a recording (with the token) marks its row Kept and hides Delete until the mark is lifted', async () => {
  const row = page.locator('#files tbody tr').nth(2);
  const path = (await row.getAttribute('data-path'))!;
  await openRecording(row);
  await page.getByLabel('Token or user:password for the keep mark').fill('e2e-token');
  await page.getByRole('button', { name: 'Keep this recording' }).click();
  await page.waitForFunction(
    `/Kept/.test(document.querySelector('#files tbody tr[data-path="${path}"]').textContent)`,
    undefined,
    { timeout: 10_000 },
  );
  assert.equal(await page.locator('#delete-area').isHidden(), true, 'a kept recording offers no Delete');
  assert.deepEqual(await axeViolations(page), []);
  await page.getByRole('button', { name: 'Lift the keep mark' }).click();
  await page.waitForFunction(
    `!/Kept/.test(document.querySelector('#files tbody tr[data-path="${path}"]').textContent)`,
    undefined,
    { timeout: 10_000 },
  );
  await page.getByRole('button', { name: 'Delete this recording…' }).waitFor();
});

test('deleting a closed recording asks for confirmation and the token, then the row and the file are gone', async () => {
  const row = page.locator('#files tbody tr').nth(2);
  const path = (await row.getAttribute('data-path'))!;
  await openRecording(row);
  await page.getByRole('button', { name: 'Delete this recording…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete recording?' });
  await dialog.waitFor();
  assert.deepEqual(await axeViolations(page), []);
  await dialog.getByLabel('Delete token or user:password').fill('e2e-token');
  const recordingsToday = `Number(/: (\\d+) recordings? of/.exec(document.getElementById('tl-summary').textContent)?.[1])`;
  const before = (await page.evaluate(recordingsToday)) as number;
  await dialog.getByRole('button', { name: 'Delete permanently' }).click();
  await page.waitForFunction(`!document.querySelector('#files tbody tr[data-path="${path}"]')`, undefined, {
    timeout: 10_000,
  });
  // The day timeline follows the file-deleted event too.
  await page.waitForFunction(`${recordingsToday} === ${before - 1}`, undefined, { timeout: 10_000 });
  assert.equal((await fetch(`${url}/stream/${path.split('/').map(encodeURIComponent).join('/')}`)).status, 404);
});
