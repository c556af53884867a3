// The archive page's day timeline on a large archive: Chromium shows one full day of 6 sources with 1-minute
// recordings (8,640 of the archive's 20,000) and the time is printed against the API alone in the same run.
//
//   node --conditions=development bench/web-timeline.ts [--files=20000] [--runs=5]
//
// Generates <files> 1-minute WAV recordings over 6 sources, back to back from 2026-10-23 00:00 Europe/Berlin
// (8 Hz mono silence, so each holds a real minute in 960 bytes of samples: the page cares about starts and
// lengths, not sound), serves them with the web app over a real socket (the test harness: start-up scan, no
// bus), and opens the page
// in Debian Chromium in Europe/Berlin. Measured per run: "Show day" for 2026-10-24 until the timeline says it
// is drawn, and, as the baseline, the same /api/files pages fetched by Node.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { wavFile } from '@isr/testkit';
import { harness } from '../services/web/test/harness.ts';
import { launchChromium } from '../services/web/test/page-fixture.ts';

const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? def);
const FILES = arg('files', 20_000);
const RUNS = arg('runs', 5);
const SOURCES = 6;
const RATE = 8;

const pad = (n: number) => String(n).padStart(2, '0');
/** The segmenter's default name in Europe/Berlin (CEST until 2026-10-25 01:00 UTC, then CET). */
function name(ms: number): string {
  const off = ms < Date.parse('2026-10-25T01:00:00Z') ? 2 : 1;
  const d = new Date(ms + off * 3_600_000);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return `${day}/${day}_${pad(d.getUTCHours())}-${pad(d.getUTCMinutes())}-${pad(d.getUTCSeconds())}+0${off}00.wav`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const wav = wavFile({ sampleRate: RATE, channels: 1, bitsPerSample: 16 }, Buffer.alloc(60 * RATE * 2));
const h = await harness({
  fill: async (root) => {
    const t0 = Date.parse('2026-10-22T22:00:00Z');
    const jobs: Promise<void>[] = [];
    const dirs = new Set<string>();
    for (let i = 0; i < FILES; i++) {
      const rel = `src${i % SOURCES}/${name(t0 + Math.floor(i / SOURCES) * 60_000)}`;
      const dir = join(root, rel.slice(0, rel.lastIndexOf('/')));
      if (!dirs.has(dir)) {
        dirs.add(dir);
        await mkdir(dir, { recursive: true });
      }
      jobs.push(writeFile(join(root, rel), wav));
      if (jobs.length >= 256) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
  },
});
const url = await h.listen();
const from = Date.parse('2026-10-23T22:00:00Z');
const to = Date.parse('2026-10-24T22:00:00Z');
const browser = await launchChromium();
try {
  // bypassCSP: waitForFunction evaluates text, which the page's CSP (no unsafe-eval) refuses.
  const page = await (
    await browser.newContext({ bypassCSP: true, timezoneId: 'Europe/Berlin', viewport: { width: 1100, height: 900 } })
  ).newPage();
  let requests = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/files')) requests++;
  });
  let t = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  const loadMs = performance.now() - t;
  const pageMs: number[] = [];
  const apiMs: number[] = [];
  let dayFiles = 0;
  let perShow = 0;
  for (let run = 0; run < RUNS; run++) {
    requests = 0;
    await page.locator('#tl-day').fill(run % 2 ? '2026-10-23' : '2026-10-24');
    await page.getByRole('button', { name: 'Show day' }).click();
    await page.waitForFunction(
      `document.getElementById('tl-summary').textContent.startsWith('${run % 2 ? '2026-10-23' : '2026-10-24'},')`,
    );
    await page.locator('#tl-day').fill('2026-10-24');
    requests = 0;
    t = performance.now();
    await page.getByRole('button', { name: 'Show day' }).click();
    await page.waitForFunction(
      `/^2026-10-24, 24 hours: \\d+ recordings/.test(document.getElementById('tl-summary').textContent)`,
    );
    pageMs.push(performance.now() - t);
    perShow = requests;
    t = performance.now();
    dayFiles = 0;
    for (let offset = 0; ; offset += 1000) {
      const b = (await (await fetch(`${url}/api/files?from=${from}&to=${to}&limit=1000&offset=${offset}`)).json()) as {
        total: number;
        files: unknown[];
      };
      dayFiles += b.files.length;
      if (offset + 1000 >= b.total) break;
    }
    apiMs.push(performance.now() - t);
  }
  console.log(`archive: ${h.deps.index.size} recordings of ${SOURCES} sources; the day shown holds ${dayFiles}`);
  console.log(`page load until ready (table, go-to, today's empty timeline): ${loadMs.toFixed(0)} ms`);
  console.log(
    `Show day 2026-10-24, median of ${RUNS}: ${median(pageMs).toFixed(0)} ms (runs: ${pageMs.map((x) => x.toFixed(0)).join(', ')}), ${perShow} /api/files requests`,
  );
  console.log(
    `baseline, the same /api/files pages from Node: ${median(apiMs).toFixed(0)} ms; ratio page ÷ API = ${(median(pageMs) / median(apiMs)).toFixed(2)}`,
  );
} finally {
  await browser.close();
  await h.close();
}
