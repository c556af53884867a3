import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile, appendFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analysisKey, ConsumerNames, encodeAudioHeaders, encodeJson, parseJson, StreamNames, Subjects, type AnalysisDoneEvent, type AnalysisRecord, type AnalyzeReply, type LiveLevel, type SegmentClosedEvent } from '@isr/contract';
import { connectBus, createRegistry, parseConfig, provisionBus, toHeaders, type Bus, type RunningService } from '@isr/runtime';
import { startNatsServer, tempDir, waitFor, type NatsServerHandle } from '@isr/testkit';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { startAnalyzer } from '../src/service.ts';
import { makeBursts } from './fixtures.ts';

let server: NatsServerHandle;
let dir: { path: string; remove(): Promise<void> };
let fixture: string;
const log = pino({ level: 'silent' });

before(async () => {
  server = await startNatsServer();
  dir = await tempDir('isr-analyzer-svc-');
  fixture = join(dir.path, 'fixture.wav');
  makeBursts(fixture, 16000, 1);
});
after(async () => {
  await server.stop();
  await dir.remove();
});

interface Instance { bus: Bus; registry: Registry; running: RunningService; stop(): Promise<void> }

async function startInstance(out: string, extra = ''): Promise<Instance> {
  const text = `[general]\noutput_directory = ${out}\nanalyzer_concurrency = 1\ndead_air_seconds = 1\n${extra}\n[quiet]\ntype = stream\nurl = http://127.0.0.1:1/q\nthreshold = 0.9\n`;
  const config = parseConfig(text, { service: 'analyzer', file: 'test.ini', env: { NATS_URL: server.url } });
  const nc = await connectBus(config, 'test-analyzer', log);
  const bus = await provisionBus(nc, config);
  const registry = createRegistry('analyzer');
  const running = await startAnalyzer({ config, log, registry, bus });
  return { bus, registry, running, async stop() { await running.close(); await nc.drain(); } };
}

async function recording(out: string, rel: string): Promise<string> {
  const abs = join(out, rel);
  await mkdir(join(abs, '..'), { recursive: true });
  await copyFile(fixture, abs);
  return abs;
}

function closedEvent(source: string, path: string): SegmentClosedEvent {
  return { source, path, start: '2026-11-24T05:00:00.000Z', startLocal: '2026-11-24T06:00:00.000+01:00', end: '2026-11-24T05:00:17.000Z', format: 'pcm', codec: 'pcm_s16le', container: 'wav', sampleRate: 16000, channels: 1, session: 's1', gaps: [], durationSeconds: 17, frames: 17 * 16000, bytes: 0, reason: 'split' };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((s, v) => s + v.value, 0);
}

test('a closed-segment event leads to a KV record, a sidecar and a done event; a bad file to an error record, acked once', async () => {
  const out = join(dir.path, 'one');
  const a = await startInstance(out, 'analyzer_startup_scan = false');
  try {
    const done: AnalysisDoneEvent[] = [];
    const sub = a.bus.nc.subscribe(Subjects.analysisDoneAll, { callback: (_e, m) => { done.push(parseJson<AnalysisDoneEvent>(m.data, 'done')); } });
    const good = 'radio1/2026-11-24/2026-11-24_06-00-00+0100.wav';
    await recording(out, good);
    await mkdir(join(out, 'radio1/bad'), { recursive: true });
    await writeFile(join(out, 'radio1/bad/empty.wav'), '');
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', good)));
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), new TextEncoder().encode('not json'));
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', 'radio1/bad/empty.wav')));
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', 'radio1/bad/deleted.wav')));
    await waitFor('three done events', () => done.length >= 3, 30_000);

    const ok = done.find((d) => d.path === good)!;
    assert.deepEqual(ok, { source: 'radio1', path: good, key: analysisKey(good), ok: true });
    const kv = (await a.bus.kv.analysis.get(analysisKey(good)))!.json<AnalysisRecord>();
    assert.equal(kv.detail, 'summary');
    assert.equal(kv.durationSeconds, 17);
    assert.equal(kv.loudSections!.length, 2);
    assert.equal(kv.waveforms, undefined);
    assert.ok(kv.waveform!.length > 0);
    const side = JSON.parse(await readFile(join(out, good + '.analysis.json'), 'utf8')) as AnalysisRecord;
    assert.equal(side.detail, 'full');
    assert.equal(side.analyzedAt, kv.analyzedAt);
    assert.equal(side.waveforms!.length, 2);
    assert.equal(side.windows!.rmsDbfs.length, 170);

    const bad = (await a.bus.kv.analysis.get(analysisKey('radio1/bad/empty.wav')))!.json<AnalysisRecord>();
    assert.equal(bad.error!.code, 'EMPTY_FILE');
    assert.ok(existsSync(join(out, 'radio1/bad/empty.wav.analysis.json')));
    assert.equal(done.find((d) => d.path === 'radio1/bad/empty.wav')!.ok, false);
    const gone = (await a.bus.kv.analysis.get(analysisKey('radio1/bad/deleted.wav')))!.json<AnalysisRecord>();
    assert.equal(gone.error!.code, 'FILE_NOT_FOUND');
    assert.equal(existsSync(join(out, 'radio1/bad/deleted.wav.analysis.json')), false, 'no sidecar for a file that is not there');

    // Everything acknowledged once (the junk message terminated): no redelivery, nothing pending.
    let last: unknown;
    const info = await waitFor('consumer drained', async () => {
      const i = await a.bus.jsm.consumers.info(StreamNames.events, ConsumerNames.analyzer);
      last = i;
      return i.num_ack_pending === 0 && i.num_pending === 0 ? i : null;
    }, 10_000).catch((err: unknown) => { throw new Error(`${String(err)}: ${JSON.stringify(last)}`); });
    assert.equal(info.num_redelivered, 0);
    assert.equal(await metric(a.registry, 'isr_analyzer_errors_total', { code: 'EMPTY_FILE' }), 1);
    assert.equal(await metric(a.registry, 'isr_analyzer_errors_total', { code: 'ISR_CONTRACT' }), 1);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'ok' }), 1);

    // The same event again (a replay): the stored analysis stands, nothing is redone; the bad file is retried.
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', good)));
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', 'radio1/bad/empty.wav')));
    await waitFor('replays handled', async () => (await a.bus.jsm.consumers.info(StreamNames.events, ConsumerNames.analyzer)).num_ack_pending === 0 && done.length >= 4, 10_000);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'ok' }), 1);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'error' }), 3);
    assert.equal(JSON.parse(await readFile(join(out, good + '.analysis.json'), 'utf8')).analyzedAt, side.analyzedAt);
    sub.unsubscribe();
  } finally {
    await a.stop();
  }
});

test('two replicas share the durable consumer: every file gets its record, each analysed once', async () => {
  const out = join(dir.path, 'two');
  const [a, b] = await Promise.all([startInstance(out, 'analyzer_startup_scan = false\nanalyzer_live = false'), startInstance(out, 'analyzer_startup_scan = false\nanalyzer_live = false')]);
  try {
    const done: AnalysisDoneEvent[] = [];
    const sub = a!.bus.nc.subscribe(Subjects.analysisDoneAll, { callback: (_e, m) => { done.push(parseJson<AnalysisDoneEvent>(m.data, 'done')); } });
    const paths = Array.from({ length: 8 }, (_, i) => `radio2/d/f${i}.wav`);
    for (const p of paths) await recording(out, p);
    for (const p of paths) await a!.bus.js.publish(Subjects.segmentClosed('radio2'), encodeJson(closedEvent('radio2', p)));
    await waitFor('a done event per file', () => new Set(done.map((d) => d.path)).size === paths.length, 60_000);
    sub.unsubscribe();
    for (const p of paths) assert.equal((await a!.bus.kv.analysis.get(analysisKey(p)))!.json<AnalysisRecord>().frames, 17 * 16000);
    const na = await metric(a!.registry, 'isr_analyzer_files_total');
    const nb = await metric(b!.registry, 'isr_analyzer_files_total');
    assert.equal(na + nb, paths.length, `replica a ${na}, b ${nb}: no file analysed twice`);
    assert.ok(na > 0 && nb > 0, `both replicas worked (a ${na}, b ${nb})`);
  } finally {
    await Promise.all([a!.stop(), b!.stop()]);
  }
});

test('isr.analyze answers for a file with no analysis yet, then returns the stored one; per-source parameters apply', async () => {
  const out = join(dir.path, 'req');
  const a = await startInstance(out, 'analyzer_startup_scan = false');
  try {
    await recording(out, 'radio3/old.wav');
    await recording(out, 'quiet/old.wav');
    const ask = async (body: unknown) => parseJson<AnalyzeReply>((await a.bus.nc.request(Subjects.analyze, encodeJson(body), { timeout: 20_000 })).data, 'reply');
    const first = await ask({ path: 'radio3/old.wav' });
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.analysis.loudSections!.length, 2);
    assert.equal(first.analysis.detail, 'summary', 'the reply is the KV-sized summary; zoom levels stay in the sidecar');
    assert.ok(existsSync(join(out, 'radio3/old.wav.analysis.json')));
    const again = await ask({ path: 'radio3/old.wav' });
    assert.ok(again.ok);
    assert.equal(again.analysis.analyzedAt, first.analysis.analyzedAt, 'the stored analysis is returned, not redone');
    const quiet = await ask({ path: 'quiet/old.wav' });
    assert.ok(quiet.ok);
    assert.equal(quiet.analysis.params!.threshold, 0.9, '[quiet] threshold = 0.9 applies');
    assert.equal(quiet.analysis.loudSections!.length, 0);
    const custom = await ask({ path: 'radio3/old.wav', threshold: 0.3 });
    assert.ok(custom.ok);
    assert.equal(custom.analysis.params!.threshold, 0.3);
    assert.equal(custom.analysis.loudSections!.length, 1, 'only the −6 dBFS burst (RMS 0.35) is above 0.3');
    const stored = JSON.parse(await readFile(join(out, 'radio3/old.wav.analysis.json'), 'utf8')) as AnalysisRecord;
    assert.equal(stored.params!.threshold, 0.05, 'an ad-hoc threshold does not overwrite the stored analysis');
    const escape = await ask({ path: '../etc/passwd' });
    assert.deepEqual([escape.ok, !escape.ok && escape.code], [false, 'BAD_PATH']);
    const missing = await ask({ path: 'radio3/nope.wav' });
    assert.deepEqual([missing.ok, !missing.ok && missing.code], [false, 'FILE_NOT_FOUND']);
  } finally {
    await a.stop();
  }
});

test('start-up scan analyses recordings without analysis, skipping active and growing files', async () => {
  const out = join(dir.path, 'scan');
  await recording(out, 'radio4/a.wav');
  await recording(out, 'radio4/b.flac.wav');
  await recording(out, 'radio4/active.wav');
  await recording(out, 'radio4/growing.wav');
  await writeFile(join(out, 'status.json'), JSON.stringify({ active: ['radio4/active.wav'] }));
  const grow = setInterval(() => void appendFile(join(out, 'radio4/growing.wav'), Buffer.alloc(3200)), 200);
  const a = await startInstance(out);
  try {
    await waitFor('scan results', () => existsSync(join(out, 'radio4/a.wav.analysis.json')) && existsSync(join(out, 'radio4/b.flac.wav.analysis.json')), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(existsSync(join(out, 'radio4/active.wav.analysis.json')), false, 'active file skipped');
    assert.equal(existsSync(join(out, 'radio4/growing.wav.analysis.json')), false, 'growing file skipped');
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { trigger: 'scan' }), 2);
  } finally {
    clearInterval(grow);
    await a.stop();
  }
});

test('live levels from PCM chunks appear on isr.level.<source>, and dead air flips the gauge', async () => {
  const out = join(dir.path, 'live');
  const a = await startInstance(out, 'analyzer_startup_scan = false\ndead_air_threshold_dbfs = -40');
  try {
    const levels: LiveLevel[] = [];
    const sub = a.bus.nc.subscribe(Subjects.level('studio'), { callback: (_e, m) => { levels.push(parseJson<LiveLevel>(m.data, 'level')); } });
    await a.bus.nc.flush();
    const rate = 48000;
    const frames = 4800;
    const start = Date.parse('2026-11-24T05:00:00.000Z');
    let seq = 0;
    const send = async (amp: number, chunks: number) => {
      for (let k = 0; k < chunks; k++) {
        const pcm = Buffer.alloc(frames * 4);
        for (let i = 0; i < frames; i++) {
          const v = Math.round(amp * 32767 * Math.sin((2 * Math.PI * 1000 * (seq * frames + i)) / rate));
          pcm.writeInt16LE(v, i * 4);
          pcm.writeInt16LE(v, i * 4 + 2);
        }
        seq++;
        const h = encodeAudioHeaders({ source: 'studio', format: 'pcm', codec: 'pcm_s16le', sampleRate: rate, channels: 2, session: 'live-1', sessionStartMs: start, seq, offset: (seq - 1) * frames, frames });
        await a.bus.js.publish(Subjects.audio('studio'), pcm, { headers: toHeaders(h) });
      }
    };
    await send(0.5, 15); // 1.5 s at −6 dBFS peak
    await waitFor('levels of the tone', () => levels.some((l) => l.offset! >= 1.2 * rate), 10_000);
    const loud = levels.filter((l) => l.offset! >= rate).at(-1)!;
    assert.ok(Math.abs(loud.rmsDbfs - -9.03) < 0.1, `rms ${loud.rmsDbfs}`);
    assert.ok(Math.abs(loud.peakDbfs - -6.02) < 0.1, `peak ${loud.peakDbfs}`);
    assert.equal(loud.deadAir, false);
    assert.ok(loud.waveform.length > 0 && loud.waveform.length % 2 === 0);
    assert.ok(Math.abs(Math.max(...loud.waveform) - 0.5) < 0.01);
    assert.equal(loud.pairSeconds, 0.05);
    assert.equal(loud.time, new Date(start + (loud.offset! / rate) * 1000).toISOString());
    assert.ok(Math.abs(await metric(a.registry, 'isr_live_rms_dbfs', { source: 'studio' }) - -9.03) < 0.1);
    assert.equal(await metric(a.registry, 'isr_dead_air', { source: 'studio' }), 0);

    await send(0, 25); // 2.5 s of silence, dead_air_seconds = 1
    await waitFor('dead air', async () => (await metric(a.registry, 'isr_dead_air', { source: 'studio' })) === 1, 10_000);
    await waitFor('a dead-air level message', () => levels.some((l) => l.deadAir), 10_000);
    assert.equal(await metric(a.registry, 'isr_dead_air_events_total', { source: 'studio' }), 1);
    assert.ok((await metric(a.registry, 'isr_live_rms_dbfs', { source: 'studio' })) <= -150 + 1e-9);
    await send(0.5, 5);
    await waitFor('dead air over', async () => (await metric(a.registry, 'isr_dead_air', { source: 'studio' })) === 0, 10_000);
    assert.equal(await metric(a.registry, 'isr_dead_air_events_total', { source: 'studio' }), 1);
    sub.unsubscribe();
  } finally {
    await a.stop();
  }
});

/** Splits an Ogg stream into pages (27-byte header + segment table + body). */
function oggPages(buf: Buffer): Buffer[] {
  const pages: Buffer[] = [];
  for (let at = 0; at + 27 <= buf.length;) {
    const nseg = buf[at + 26]!;
    let len = 27 + nseg;
    for (let i = 0; i < nseg; i++) len += buf[at + 27 + i]!;
    pages.push(buf.subarray(at, at + len));
    at += len;
  }
  return pages;
}

test('compressed sources (MP3; Ogg Opus with its header from KV isr_codec) are decoded live: levels and dead air', async () => {
  const out = join(dir.path, 'live-compressed');
  const a = await startInstance(out, 'analyzer_startup_scan = false\ndead_air_threshold_dbfs = -40');
  try {
    const levels = new Map<string, LiveLevel[]>();
    const sub = a.bus.nc.subscribe(Subjects.levelAll, { callback: (_e, m) => { const l = parseJson<LiveLevel>(m.data, 'level'); levels.set(l.source, [...(levels.get(l.source) ?? []), l]); } });
    await a.bus.nc.flush();
    const src = join(dir.path, 'live-src.wav');
    const { execFileSync } = await import('node:child_process');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', src, 'synth', '1.5', 'sine', '1000', 'vol', '-6dB', ':', 'synth', '3', 'sine', '1000', 'vol', '0']);
    const mp3 = join(dir.path, 'live.mp3');
    const opus = join(dir.path, 'live.opus');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-c:a', 'libmp3lame', '-b:a', '128k', mp3]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', src, '-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg', opus]);
    const start = Date.parse('2026-11-24T05:00:00.000Z');
    const publish = async (source: string, format: 'mp3' | 'ogg', codec: 'mp3' | 'opus', chunks: Buffer[]) => {
      let seq = 0;
      for (const data of chunks) {
        seq++;
        const h = encodeAudioHeaders({ source, format, codec, sampleRate: 48000, channels: 2, session: `${source}-1`, sessionStartMs: start, seq, offset: (seq - 1) * 4800, frames: 4800 });
        await a.bus.js.publish(Subjects.audio(source), data, { headers: toHeaders(h) });
      }
    };
    const mp3Bytes = await readFile(mp3);
    await publish('mp3src', 'mp3', 'mp3', Array.from({ length: Math.ceil(mp3Bytes.length / 1600) }, (_, i) => mp3Bytes.subarray(i * 1600, (i + 1) * 1600)));
    const pages = oggPages(await readFile(opus));
    const init = Buffer.concat(pages.slice(0, 2));
    await a.bus.kv.codec.put('opussrc', encodeJson({ source: 'opussrc', session: 'opussrc-1', format: 'ogg', codec: 'opus', sampleRate: 48000, channels: 2, init: init.toString('base64') }));
    await publish('opussrc', 'ogg', 'opus', pages.slice(2));
    for (const source of ['mp3src', 'opussrc']) {
      await waitFor(`${source}: dead air`, async () => (await metric(a.registry, 'isr_dead_air', { source })) === 1, 20_000);
      const got = levels.get(source)!;
      const loud = got.find((l) => l.offset! >= 1.2 * 48000 && l.offset! <= 1.5 * 48000) ?? got.find((l) => l.offset! >= 48000)!;
      assert.ok(Math.abs(loud.peakDbfs - -6) < 0.5, `${source} peak ${loud.peakDbfs}`);
      assert.ok(Math.abs(loud.rmsDbfs - -9) < 0.5, `${source} rms ${loud.rmsDbfs}`);
      assert.ok(got.some((l) => l.deadAir));
      assert.equal(await metric(a.registry, 'isr_dead_air_events_total', { source }), 1);
    }
    sub.unsubscribe();
  } finally {
    await a.stop();
  }
});
