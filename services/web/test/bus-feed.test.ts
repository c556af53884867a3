import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  analysisKey,
  encodeJson,
  Subjects,
  type AnalysisDoneEvent,
  type LiveLevel,
  type SegmentClosedEvent,
  type SegmentDeletedEvent,
  type SegmentOpenedEvent,
  type SourceStatus,
} from '@isr/contract';
import {
  connectBus,
  createLogger,
  createRegistry,
  parseConfig,
  provisionBus,
  type Bus,
  type RunningService,
} from '@isr/runtime';
import { freePort, readServerSentEvents, startNatsServer, tempDir, waitFor, type NatsServerHandle } from '@isr/testkit';
import { startWeb } from '../src/service.ts';
import { webOptions } from '../src/web-options.ts';
import { bundlePage } from '../scripts/bundle-page.ts';
import { write } from './harness.ts';
// The analyzer's real isr.analyze.forget responder: the web's NATS user may not purge isr_analysis itself.
import { startForgetResponder } from '../../analyzer/src/forget-responder.ts';

// web against a real nats-server: ISR_EVENTS replayed and followed, KV isr_status watched, isr.level.* relayed,
// all of it pushed to a page over /api/events (read here as a raw SSE stream).
const SRC = 'radio';
const REL = `${SRC}/2026-11-24/2026-11-24_06-00-00+0000.mp3`;
let nats: NatsServerHandle;
let tmp: { path: string; remove(): Promise<void> };
let bus: Bus;
const running: RunningService[] = [];
const conns: Bus['nc'][] = [];

async function startOne(): Promise<string> {
  const port = await freePort();
  const ini = `[general]\noutput_directory = ${join(tmp.path, 'rec')}\nweb_delete_token = tok\n`;
  const config = parseConfig(ini, { service: 'web', file: 'test.ini', env: { NATS_URL: nats.url }, cwd: tmp.path });
  const log = createLogger({ service: 'web-test', level: 'error', pretty: false });
  const nc = await connectBus(config, 'web-test', log);
  conns.push(nc);
  const ctx = { config, log, registry: createRegistry('web'), bus: await provisionBus(nc, config) };
  running.push(
    await startWeb(ctx, { ...webOptions(config, { port }, tmp.path), host: '127.0.0.1' }, await bundlePage()),
  );
  return `http://127.0.0.1:${port}`;
}

/** /api/events of the web at `url`, read into a list. */
async function sse(url: string) {
  const stream = await readServerSentEvents<unknown>(`${url}/api/events`);
  assert.equal(stream.contentType, 'text/event-stream; charset=utf-8');
  return stream;
}

before(async () => {
  [nats, tmp] = await Promise.all([startNatsServer(), tempDir('isr-web-bus-')]);
  const config = parseConfig('[general]\n', {
    service: 'web',
    file: 't.ini',
    env: { NATS_URL: nats.url },
    cwd: tmp.path,
  });
  bus = await provisionBus(
    await connectBus(config, 'publisher', createLogger({ service: 't', level: 'error', pretty: false })),
    config,
  );
});
after(async () => {
  for (const r of running) await r.close();
  for (const nc of conns) await nc.close();
  await bus?.nc.close();
  await nats?.stop();
  await tmp?.remove();
});

test('segment events, isr_status, live levels and analysis reach /api/files and the SSE stream; DELETE purges KV; a restart replays ISR_EVENTS', async () => {
  const url = await startOne();
  const stream = await sse(url);
  await waitFor('hello event', () => stream.events.some((e) => e.event === 'hello'));
  await write(join(tmp.path, 'rec'), REL, Buffer.alloc(4000, 1));
  const opened: SegmentOpenedEvent = {
    source: SRC,
    path: REL,
    start: '2026-11-24T06:00:00.000Z',
    startLocal: '2026-11-24T07:00:00.000+01:00',
    format: 'mp3',
    codec: 'mp3',
    container: 'mp3',
    sampleRate: 44100,
    channels: 2,
    session: 's1',
    gaps: [],
  };
  await bus.js.publish(Subjects.segmentOpened(SRC), encodeJson(opened));
  const ev = await waitFor('file-opened event', () => stream.events.find((e) => e.event === 'file-opened'));
  assert.deepEqual(
    [
      (ev.data as { path: string }).path,
      (ev.data as { recording: boolean }).recording,
      (ev.data as { start: string }).start,
    ],
    [REL, true, '2026-11-24T07:00:00.000+01:00'],
  );
  let files = (await (await fetch(`${url}/api/files`)).json()) as {
    files: { path: string; recording: boolean; durationSeconds: number | null }[];
  };
  assert.deepEqual(
    files.files.map((f) => [f.path, f.recording, f.durationSeconds]),
    [[REL, true, null]],
  );

  const now = new Date().toISOString();
  const status: SourceStatus = {
    source: SRC,
    capture: {
      service: 'capture-stream',
      state: 'reconnecting',
      message: 'HTTP 503',
      session: 's1',
      since: now,
      lastChunk: now,
      format: 'mp3',
      codec: 'mp3',
      sampleRate: 44100,
      channels: 2,
      updated: now,
    },
    recorder: {
      state: 'recording',
      file: REL,
      bytes: 4000,
      frames: 0,
      since: opened.start,
      lastChunk: now,
      message: null,
      updated: now,
    },
  };
  await bus.kv.status.put(SRC, encodeJson(status));
  const st = await waitFor('status event', () => stream.events.find((e) => e.event === 'status'));
  assert.deepEqual(
    [(st.data as { state: string }).state, (st.data as { message: string }).message],
    ['reconnecting', 'HTTP 503'],
  );
  const level: LiveLevel = {
    source: SRC,
    time: now,
    rmsDbfs: -20,
    peakDbfs: -3,
    silentSeconds: 0,
    deadAir: false,
    waveform: [-0.5, 0.5],
  };
  bus.nc.publish(Subjects.level(SRC), encodeJson(level));
  await waitFor('level event', () => stream.events.find((e) => e.event === 'level'));
  const s = (await (await fetch(`${url}/api/status`)).json()) as {
    active: { file: string }[];
    sources: { level: LiveLevel | null }[];
  };
  assert.equal(s.active[0]!.file, REL);
  assert.equal(s.sources[0]!.level!.rmsDbfs, -20);
  assert.equal(
    (await fetch(`${url}/api/files/${REL}`, { method: 'DELETE', headers: { authorization: 'Bearer tok' } })).status,
    409,
  );

  const closed: SegmentClosedEvent = {
    ...opened,
    end: '2026-11-24T06:00:03.000Z',
    durationSeconds: 3,
    frames: 132300,
    bytes: 4000,
    reason: 'split',
  };
  await bus.js.publish(Subjects.segmentClosed(SRC), encodeJson(closed));
  await waitFor('file-closed event', () => stream.events.find((e) => e.event === 'file-closed'));
  await bus.kv.analysis.put(
    analysisKey(REL),
    encodeJson({
      path: REL,
      source: SRC,
      analyzedAt: now,
      rmsDbfs: -18,
      peakDbfs: -1,
      integratedLufs: -16,
      loudSections: [{ start: 1, end: 2, duration: 1 }],
    }),
  );
  const done: AnalysisDoneEvent = { source: SRC, path: REL, key: analysisKey(REL), ok: true };
  await bus.js.publish(Subjects.analysisDone(SRC), encodeJson(done));
  const an = await waitFor('analysis event', () => stream.events.find((e) => e.event === 'analysis'));
  assert.deepEqual((an.data as { summary: unknown }).summary, {
    rmsDbfs: -18,
    peakDbfs: -1,
    lufs: -16,
    loudSections: 1,
    error: null,
  });
  const a = (await (await fetch(`${url}/api/analyze?file=${encodeURIComponent(REL)}`)).json()) as { sections: unknown };
  assert.deepEqual(a.sections, [{ start: 1, end: 2 }]);
  files = (await (await fetch(`${url}/api/files`)).json()) as typeof files;
  assert.deepEqual(
    files.files.map((f) => [f.recording, f.durationSeconds]),
    [[false, 3]],
  );

  // A second instance learns the MP3's duration (which no header gives) by replaying ISR_EVENTS from the start.
  const url2 = await startOne();
  const replayed = await waitFor('replayed closed event', async () => {
    const b = (await (await fetch(`${url2}/api/files`)).json()) as typeof files;
    return b.files[0]?.durationSeconds === 3 ? b : null;
  });
  assert.equal(replayed.files[0]!.recording, false);

  const forget = startForgetResponder({
    nc: bus.nc,
    kv: bus.kv.analysis,
    outputDirectory: join(tmp.path, 'rec'),
    log: createLogger({ service: 'analyzer-test', level: 'error', pretty: false }),
  });
  const del = await fetch(`${url}/api/files/${REL}`, { method: 'DELETE', headers: { authorization: 'Bearer tok' } });
  await forget.stop();
  assert.equal(del.status, 200);
  assert.ok(!existsSync(join(tmp.path, 'rec', REL)));
  const entry = await bus.kv.analysis.get(analysisKey(REL));
  assert.ok(
    entry === null || entry.operation !== 'PUT',
    'KV analysis entry purged (the web asked the analyzer over isr.analyze.forget)',
  );
  await waitFor('file-deleted event', () => stream.events.find((e) => e.event === 'file-deleted'));
  stream.close();
});

test('isr.segment.deleted (retention, disk guard) drops the row from /api/files and tells the page', async () => {
  const base = await startOne();
  const stream = await sse(base);
  await waitFor('hello event', () => stream.events.some((e) => e.event === 'hello'));
  const rel = `${SRC}/2026-11-25/2026-11-25_06-00-00+0000.mp3`;
  await write(join(tmp.path, 'rec'), rel, Buffer.alloc(1000, 1));
  const opened: SegmentOpenedEvent = {
    source: SRC,
    path: rel,
    start: '2026-11-25T06:00:00.000Z',
    startLocal: '2026-11-25T06:00:00.000+00:00',
    format: 'mp3',
    codec: 'mp3',
    container: 'mp3',
    sampleRate: 44100,
    channels: 2,
    session: 's2',
    gaps: [],
  };
  await bus.js.publish(
    Subjects.segmentClosed(SRC),
    encodeJson({
      ...opened,
      end: '2026-11-25T06:00:03.000Z',
      durationSeconds: 3,
      frames: 132300,
      bytes: 1000,
      reason: 'split',
    } satisfies SegmentClosedEvent),
  );
  const listed = async () =>
    ((await (await fetch(`${base}/api/files`)).json()) as { files: { path: string }[] }).files.some(
      (f) => f.path === rel,
    );
  await waitFor('the closed file is listed', listed);
  const deleted: SegmentDeletedEvent = {
    source: SRC,
    path: rel,
    reason: 'disk_guard',
    bytes: 1000,
    end: '2026-11-25T06:00:03.000Z',
    deletedAt: new Date().toISOString(),
  };
  await bus.js.publish(Subjects.segmentDeleted(SRC), encodeJson(deleted));
  const ev = await waitFor('file-deleted event', () =>
    stream.events.find((e) => e.event === 'file-deleted' && (e.data as { path: string }).path === rel),
  );
  assert.equal((ev.data as { reason: string }).reason, 'disk_guard');
  assert.equal(await listed(), false);
  stream.close();
});
