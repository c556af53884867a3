// /api/analyze against real peers: nats-server, the analyzer and the web in process, HTTP over real sockets.
// Overrides (`threshold`) are bounded by the analyzer's request queue (429 + Retry-After beyond it), identical
// ones are asked once, an analyzed file's overrides need no decode, a slow one still reaches the page (SSE
// `analysis` event, then the result on the next request), and a file that is no recording is refused untouched.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJson, Subjects, type AnalyzeRequest } from '@isr/contract';
import {
  connectBus,
  createLogger,
  createRegistry,
  parseConfig,
  provisionBus,
  type Bus,
  type RunningService,
} from '@isr/runtime';
import {
  freePort,
  readServerSentEvents,
  soxSynth,
  startNatsServer,
  tempDir,
  waitFor,
  type NatsServerHandle,
} from '@isr/testkit';
import type { Registry } from 'prom-client';
import { startAnalyzer } from '../../services/analyzer/src/service.ts';
import { bundlePage } from '../../services/web/scripts/bundle-page.ts';
import { startWeb } from '../../services/web/src/service.ts';
import { webOptions } from '../../services/web/src/web-options.ts';

const QUEUE_MAX = 4;
let nats: NatsServerHandle;
let tmp: { path: string; remove(): Promise<void> };
let rec: string;
let fixture: string;
let analyzerRegistry: Registry;
let patient: string; // web_analyze_wait_seconds = 60
let hasty: string; // web_analyze_wait_seconds = 0.1
let observer: Bus;
const seen: AnalyzeRequest[] = [];
const running: RunningService[] = [];
const conns: Bus['nc'][] = [];
const log = createLogger({ service: 'test', level: 'error', pretty: false });

async function busFor(name: string, ini: string): Promise<{ config: ReturnType<typeof parseConfig>; bus: Bus }> {
  const config = parseConfig(ini, {
    service: name === 'analyzer' ? 'analyzer' : 'web',
    file: 'test.ini',
    env: { NATS_URL: nats.url },
    cwd: tmp.path,
  });
  const nc = await connectBus(config, `test-${name}`, log);
  conns.push(nc);
  return { config, bus: await provisionBus(nc, config) };
}

async function startWebWaiting(seconds: number): Promise<string> {
  const port = await freePort();
  const { config, bus } = await busFor(
    'web',
    `[general]\noutput_directory = ${rec}\nweb_analyze_wait_seconds = ${seconds}\n`,
  );
  running.push(
    await startWeb(
      { config, log, registry: createRegistry('web'), bus },
      { ...webOptions(config, { port }, tmp.path), host: '127.0.0.1' },
      await bundlePage(),
    ),
  );
  return `http://127.0.0.1:${port}`;
}

before(async () => {
  [nats, tmp] = await Promise.all([startNatsServer(), tempDir('isr-analyze-requests-')]);
  rec = join(tmp.path, 'rec');
  await mkdir(join(rec, 'radio'), { recursive: true });
  // The reporter's case: a 10-minute WAV (48 kHz stereo, ~0.5 s to decode), pink noise swelling and fading.
  fixture = join(tmp.path, 'long.wav');
  soxSynth(fixture, { rate: 48000, channels: 2 }, 'synth 600 pinknoise vol -8dB tremolo 0.3 90');
  const a = await busFor(
    'analyzer',
    `[general]\noutput_directory = ${rec}\nanalyzer_concurrency = 1\nanalyzer_startup_scan = false\nanalyzer_live = false\nanalyze_queue_max = ${QUEUE_MAX}\n`,
  );
  analyzerRegistry = createRegistry('analyzer');
  running.push(await startAnalyzer({ config: a.config, log, registry: analyzerRegistry, bus: a.bus }));
  // The recordings are there before the webs start, so their start-up scan lists them (rows of /api/files).
  for (const name of ['busy', 'analyzed', 'slow']) await copyFile(fixture, join(rec, 'radio', `${name}.wav`));
  [patient, hasty] = [await startWebWaiting(60), await startWebWaiting(0.1)];
  // Every isr.analyze request the webs send (a plain subscriber sees each one; the analyzer's queue group answers).
  observer = (await busFor('observer', '[general]\n')).bus;
  observer.nc.subscribe(Subjects.analyze, {
    callback: (_e, m) => {
      seen.push(parseJson<AnalyzeRequest>(m.data, 'request'));
    },
  });
});

after(async () => {
  for (const r of running.reverse()) await r.close();
  for (const nc of conns) await nc.close();
  await nats?.stop();
  await tmp?.remove();
});

async function decodes(): Promise<number> {
  const m = await analyzerRegistry.getSingleMetric('isr_analyzer_files_total')?.get();
  return (m?.values ?? []).filter((v) => v.labels.trigger === 'request').reduce((s, v) => s + v.value, 0);
}

const analyze = (base: string, rel: string, threshold?: number) =>
  fetch(
    `${base}/api/analyze?file=${encodeURIComponent(rel)}${threshold === undefined ? '' : `&threshold=${threshold}`}`,
  );

test('100 concurrent overrides of one unanalyzed 10-minute WAV: at most analyze_queue_max are taken, the rest 429 with Retry-After, identical ones asked once', async () => {
  const rel = 'radio/busy.wav';
  seen.length = 0;
  const before = await decodes();
  const thresholds = [...Array<number>(20).fill(0.5), ...Array.from({ length: 80 }, (_, i) => 0.1 + i / 1000)];
  const t0 = performance.now();
  const first = analyze(patient, rel, 0.5); // the identical ones go first, so that the queue takes theirs
  await waitFor('the first request reached the analyzer', () => seen.length === 1, 10_000);
  const responses = await Promise.all([first, ...thresholds.slice(1).map((t) => analyze(patient, rel, t))]);
  const seconds = (performance.now() - t0) / 1000;
  const statuses = responses.map((r) => r.status);
  const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
    code?: string;
    sections?: unknown[];
    analysis?: { params: { threshold: number } };
  }[];
  assert.deepEqual(statuses.slice(0, 20), Array(20).fill(200), 'the 20 identical requests share the first analysis');
  const ok = statuses.filter((s) => s === 200).length;
  const busy = responses.filter((r) => r.status === 429);
  assert.equal(ok + busy.length, 100, `only 200 and 429: ${statuses.join(' ')}`);
  assert.ok(
    busy.length >= 100 - 20 - 3 * QUEUE_MAX,
    `most distinct overrides are refused while the queue is full (${busy.length} of 80)`,
  );
  for (const r of busy) assert.equal(r.headers.get('retry-after'), '5');
  assert.ok(bodies.filter((b) => b.code).every((b) => b.code === 'ISR_WEB_ANALYZER_BUSY'));
  assert.equal(
    seen.filter((r) => r.threshold === 0.5).length,
    1,
    'the web asks the analyzer once for 20 identical requests',
  );
  assert.equal(seen.length, 81, 'one request per distinct threshold');
  const accepted = ok - 20 + 1; // distinct thresholds answered
  assert.equal(
    (await decodes()) - before,
    accepted,
    'one decode per accepted distinct override, none for refused ones',
  );
  assert.ok(accepted <= 3 * QUEUE_MAX, `${accepted} decodes`);
  process.stdout.write(
    `# 100 overrides on a 10-min 48 kHz stereo WAV without analysis: ${ok} answered (${accepted} decodes), ${busy.length} × 429, ${seconds.toFixed(2)} s\n`,
  );
  const stored = await readdir(join(rec, 'radio'));
  assert.ok(!stored.includes('busy.wav.analysis.json'), 'an override stores nothing');
});

test('overrides of an analyzed file are re-derived from its window series: no decode, the row keeps the stored analysis', async () => {
  const rel = 'radio/analyzed.wav';
  let t0 = performance.now();
  const stored = await analyze(patient, rel);
  const decodeMs = performance.now() - t0;
  assert.equal(stored.status, 200);
  const storedBody = (await stored.json()) as { sections: unknown[] };
  const before = await decodes();
  t0 = performance.now();
  const responses = await Promise.all([0.02, 0.1, 0.3, 0.3].map((t) => analyze(patient, rel, t)));
  const overrideMs = performance.now() - t0;
  const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
    sections: unknown[];
    analysis: { sectionsFrom?: string; params: { threshold: number } };
  }[];
  assert.deepEqual(
    responses.map((r) => r.status),
    [200, 200, 200, 200],
  );
  assert.deepEqual(
    bodies.map((b) => [b.analysis.sectionsFrom, b.analysis.params.threshold]),
    [
      ['windows', 0.02],
      ['windows', 0.1],
      ['windows', 0.3],
      ['windows', 0.3],
    ],
  );
  assert.equal(await decodes(), before, 'no decode for an override when the window series exists');
  const files = (await (await fetch(`${patient}/api/files`)).json()) as {
    files: { path: string; analysis: { loudSections: number } | null }[];
  };
  assert.equal(
    files.files.find((f) => f.path === rel)?.analysis?.loudSections,
    storedBody.sections.length,
    "an override does not replace the row's analysis",
  );
  process.stdout.write(
    `# 10-min 48 kHz stereo WAV: first analysis ${decodeMs.toFixed(0)} ms; 4 overrides from the window series ${overrideMs.toFixed(0)} ms\n`,
  );
  // The reporter's burst, on the analyzed file: 100 anonymous overrides, none of them a decode.
  t0 = performance.now();
  const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => analyze(patient, rel, 0.2 + i / 1000)));
  const burstMs = performance.now() - t0;
  const statuses = burst.map((r) => r.status);
  await Promise.all(burst.map((r) => r.arrayBuffer()));
  assert.deepEqual(
    [...new Set(statuses)].filter((s) => s !== 200 && s !== 429),
    [],
    'answered or refused, nothing else',
  );
  assert.equal(await decodes(), before, 'still no decode');
  process.stdout.write(
    `# 100 overrides on the analyzed file: ${statuses.filter((s) => s === 200).length} answered from the window series, ${statuses.filter((s) => s === 429).length} × 429, ${burstMs.toFixed(0)} ms\n`,
  );
});

test('an override slower than web_analyze_wait_seconds is answered 202, announced on /api/events when done, then served without asking again', async () => {
  const rel = 'radio/slow.wav';
  const events = await readServerSentEvents(`${hasty}/api/events`);
  try {
    const before = await decodes();
    const first = await analyze(hasty, rel, 0.3);
    assert.equal(first.status, 202, 'a decode of 10 minutes takes longer than 0.1 s');
    await waitFor(
      'the analysis event',
      () => events.events.some((e) => e.event === 'analysis' && e.data.path === rel),
      60_000,
    );
    const ev = events.events.find((e) => e.event === 'analysis' && e.data.path === rel)!;
    assert.deepEqual(ev.data, { path: rel, threshold: 0.3, ok: true, error: null, summary: null });
    const again = await analyze(hasty, rel, 0.3);
    assert.equal(again.status, 200);
    const body = (await again.json()) as { analysis: { params: { threshold: number } }; sections: unknown[] };
    assert.equal(body.analysis.params.threshold, 0.3);
    assert.equal((await decodes()) - before, 1, 'the follow-up is served from the web, not decoded again');
  } finally {
    events.close();
  }
});

test('a file that is no recording is refused (404) and nothing is written in the recordings tree', async () => {
  await writeFile(join(rec, 'radio', 'status.json'), '{"state":"recording"}');
  await writeFile(join(rec, 'radio', 'notes.txt'), 'hello');
  const before = (await readdir(join(rec, 'radio'))).sort();
  seen.length = 0;
  for (const rel of ['radio/status.json', 'radio/notes.txt', 'radio/analyzed.wav.analysis.json']) {
    for (const threshold of [undefined, 0.3]) {
      const res = await analyze(patient, rel, threshold);
      assert.equal(res.status, 404, rel);
      const body = (await res.json()) as { code: string; error: string };
      assert.equal(body.code, 'ISR_WEB_NOT_FOUND');
      assert.match(body.error, /is not a recording/);
    }
  }
  await sleep(200);
  assert.deepEqual((await readdir(join(rec, 'radio'))).sort(), before);
  assert.equal(seen.length, 0, 'the analyzer is not even asked');
});
