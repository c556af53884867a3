import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { analysisKey, encodeJson, type AnalysisRecord } from '@isr/contract';
import { connectBus, createLogger, parseConfig, provisionBus, type Bus } from '@isr/runtime';
import { startNatsServer, tempDir, waitFor, type NatsServerHandle } from '@isr/testkit';
import { watchAnalyses } from '../src/analysis-feed.ts';
import { summaryOf } from '../src/analysis-view.ts';
import { FileIndex } from '../src/file-index.ts';
import type { SseHub } from '../src/sse-hub.ts';

// The KV isr_analysis watch against a real nats-server: a record whose isr.analysis.done event never comes (the
// analyzer stored it, then could not publish the event across a node loss) still reaches the row and the pages.
let nats: NatsServerHandle;
let tmp: { path: string; remove(): Promise<void> };
let bus: Bus;

before(async () => {
  [nats, tmp] = await Promise.all([startNatsServer(), tempDir('isr-web-analysis-feed-')]);
  const config = parseConfig('[general]\n', {
    service: 'web',
    file: 't.ini',
    env: { NATS_URL: nats.url },
    cwd: tmp.path,
  });
  const log = createLogger({ service: 't', level: 'error', pretty: false });
  bus = await provisionBus(await connectBus(config, 'publisher', log), config);
});
after(async () => {
  await bus?.nc.close();
  await nats?.stop();
  await tmp?.remove();
});

const record = (path: string, rmsDbfs: number): AnalysisRecord =>
  ({ path, source: 'radio', analyzedAt: new Date().toISOString(), rmsDbfs, peakDbfs: -1 }) as AnalysisRecord;

async function feed() {
  const index = new FileIndex();
  const sent: { event: string; data: { path: string; summary: unknown } }[] = [];
  const hub = { send: (event: string, data: { path: string; summary: unknown }) => sent.push({ event, data }) };
  const log = createLogger({ service: 't', level: 'error', pretty: false });
  const watch = await watchAnalyses(bus.kv.analysis, { index, hub: hub as unknown as SseHub, log }, { graceMs: 300 });
  return { index, sent, watch };
}

test('a stored analysis whose done event never comes reaches the row and the pages', async () => {
  const { index, sent, watch } = await feed();
  try {
    const path = 'radio/2026-12-02/2026-12-02_10-00-00+0000.wav';
    const row = index.upsert({ path, source: 'radio' });
    await bus.kv.analysis.put(analysisKey(path), encodeJson(record(path, -20)));
    await waitFor('the row has the analysis', () => row.analysis !== null, 5000);
    assert.deepEqual(row.analysis, summaryOf(record(path, -20)));
    assert.deepEqual(
      sent.map((s) => [s.event, s.data.path]),
      [['analysis', path]],
    );
  } finally {
    watch.stop();
  }
});

test('a record its done event brought is not announced again', async () => {
  const { index, sent, watch } = await feed();
  try {
    const path = 'radio/2026-12-02/2026-12-02_10-01-00+0000.wav';
    const row = index.upsert({ path, source: 'radio' });
    await bus.kv.analysis.put(analysisKey(path), encodeJson(record(path, -21)));
    row.analysis = summaryOf(record(path, -21)); // what the done event's handler does
    await sleep(1000);
    assert.deepEqual(sent, []);
  } finally {
    watch.stop();
  }
});

test('a record that comes before its file is listed waits for the row', async () => {
  const { index, sent, watch } = await feed();
  try {
    const path = 'radio/2026-12-02/2026-12-02_10-02-00+0000.wav';
    await bus.kv.analysis.put(analysisKey(path), encodeJson(record(path, -22)));
    await sleep(500); // past the first look
    const row = index.upsert({ path, source: 'radio' });
    await waitFor('the row has the analysis', () => row.analysis !== null, 5000);
    assert.equal(row.analysis?.rmsDbfs, -22);
    assert.equal(sent.length, 1);
  } finally {
    watch.stop();
  }
});
