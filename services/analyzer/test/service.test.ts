import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  analysisKey,
  ConsumerNames,
  encodeJson,
  parseJson,
  StreamNames,
  Subjects,
  type AnalysisDoneEvent,
  type AnalysisRecord,
  type AnalyzeReply,
} from '@isr/contract';
import { waitFor } from '@isr/testkit';
import { makeBursts } from './fixtures.ts';
import { closedEvent, metric, recording, serverAndDir, startInstance } from './harness.ts';

let fixture: string;
const shared = serverAndDir('isr-analyzer-svc-', (dir) => {
  fixture = join(dir, 'fixture.wav');
  makeBursts(fixture, 16000, 1);
});

test('a closed-segment event leads to a KV record, a sidecar and a done event; a bad file to an error record, acked once', async () => {
  const out = join(shared.dir, 'one');
  const a = await startInstance(shared.server, out, 'analyzer_startup_scan = false');
  try {
    const done: AnalysisDoneEvent[] = [];
    const sub = a.bus.nc.subscribe(Subjects.analysisDoneAll, {
      callback: (_e, m) => {
        done.push(parseJson<AnalysisDoneEvent>(m.data, 'done'));
      },
    });
    const good = 'radio1/2026-11-24/2026-11-24_06-00-00+0100.wav';
    await recording(fixture, out, good);
    await mkdir(join(out, 'radio1/bad'), { recursive: true });
    await writeFile(join(out, 'radio1/bad/empty.wav'), '');
    await a.bus.js.publish(
      Subjects.segmentClosed('radio1'),
      encodeJson({ ...closedEvent('radio1', good), sha256: 'ab'.repeat(32) }),
    );
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), new TextEncoder().encode('not json'));
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', 'radio1/bad/empty.wav')));
    await a.bus.js.publish(
      Subjects.segmentClosed('radio1'),
      encodeJson(closedEvent('radio1', 'radio1/bad/deleted.wav')),
    );
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
    assert.equal(kv.sha256, 'ab'.repeat(32), "the record carries the closed event's SHA-256");
    assert.equal(side.sha256, kv.sha256);
    assert.equal(side.analyzedAt, kv.analyzedAt);
    assert.equal(side.waveforms!.length, 2);
    assert.equal(side.windows!.rmsDbfs.length, 170);

    const bad = (await a.bus.kv.analysis.get(analysisKey('radio1/bad/empty.wav')))!.json<AnalysisRecord>();
    assert.equal(bad.error!.code, 'EMPTY_FILE');
    assert.ok(existsSync(join(out, 'radio1/bad/empty.wav.analysis.json')));
    assert.equal(done.find((d) => d.path === 'radio1/bad/empty.wav')!.ok, false);
    const gone = (await a.bus.kv.analysis.get(analysisKey('radio1/bad/deleted.wav')))!.json<AnalysisRecord>();
    assert.equal(gone.error!.code, 'FILE_NOT_FOUND');
    assert.equal(
      existsSync(join(out, 'radio1/bad/deleted.wav.analysis.json')),
      false,
      'no sidecar for a file that is not there',
    );

    // Everything acknowledged once (the junk message terminated): no redelivery, nothing pending.
    let last: unknown;
    const info = await waitFor(
      'consumer drained',
      async () => {
        const i = await a.bus.jsm.consumers.info(StreamNames.events, ConsumerNames.analyzer);
        last = i;
        return i.num_ack_pending === 0 && i.num_pending === 0 ? i : null;
      },
      10_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(last)}`);
    });
    assert.equal(info.num_redelivered, 0);
    assert.equal(await metric(a.registry, 'isr_analyzer_errors_total', { code: 'EMPTY_FILE' }), 1);
    assert.equal(await metric(a.registry, 'isr_analyzer_errors_total', { code: 'ISR_CONTRACT' }), 1);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'ok' }), 1);

    // The same event again (a replay): the stored analysis stands, nothing is redone; the bad file is retried.
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', good)));
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', 'radio1/bad/empty.wav')));
    await waitFor(
      'replays handled',
      async () =>
        (await a.bus.jsm.consumers.info(StreamNames.events, ConsumerNames.analyzer)).num_ack_pending === 0 &&
        done.length >= 4,
      10_000,
    );
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'ok' }), 1);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'error' }), 3);
    assert.equal(JSON.parse(await readFile(join(out, good + '.analysis.json'), 'utf8')).analyzedAt, side.analyzedAt);
    // ...but announced again: the done event may be what failed the first time (ISR_EVENTS without a leader
    // after the KV record was stored), and a follower of ISR_EVENTS would never learn the analysis otherwise.
    await waitFor(
      'the stored analysis announced again',
      () => done.filter((d) => d.path === good).length === 2,
      10_000,
    );

    // A replay while KV does not show the record (lost, or a lagging replica answered): stored and announced
    // again from the sidecar, not analyzed a second time.
    await a.bus.kv.analysis.purge(analysisKey(good));
    const before = done.length;
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', good)));
    await waitFor('the record announced again', () => done.slice(before).some((d) => d.path === good), 10_000);
    const restored = (await a.bus.kv.analysis.get(analysisKey(good)))!.json<AnalysisRecord>();
    assert.equal(restored.analyzedAt, side.analyzedAt, 'the KV record is the sidecar one');
    assert.equal(restored.detail, 'summary');
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { result: 'ok' }), 1, 'not analyzed again');
    sub.unsubscribe();
  } finally {
    await a.stop();
  }
});

test('two replicas share the durable consumer: every file gets its record, each analyzed once', async () => {
  const out = join(shared.dir, 'two');
  const [a, b] = await Promise.all([
    startInstance(shared.server, out, 'analyzer_startup_scan = false\nanalyzer_live = false'),
    startInstance(shared.server, out, 'analyzer_startup_scan = false\nanalyzer_live = false'),
  ]);
  try {
    const done: AnalysisDoneEvent[] = [];
    const sub = a!.bus.nc.subscribe(Subjects.analysisDoneAll, {
      callback: (_e, m) => {
        done.push(parseJson<AnalysisDoneEvent>(m.data, 'done'));
      },
    });
    const paths = Array.from({ length: 8 }, (_, i) => `radio2/d/f${i}.wav`);
    for (const p of paths) await recording(fixture, out, p);
    for (const p of paths)
      await a!.bus.js.publish(Subjects.segmentClosed('radio2'), encodeJson(closedEvent('radio2', p)));
    await waitFor('a done event per file', () => new Set(done.map((d) => d.path)).size === paths.length, 60_000);
    sub.unsubscribe();
    for (const p of paths)
      assert.equal((await a!.bus.kv.analysis.get(analysisKey(p)))!.json<AnalysisRecord>().frames, 17 * 16000);
    const na = await metric(a!.registry, 'isr_analyzer_files_total');
    const nb = await metric(b!.registry, 'isr_analyzer_files_total');
    assert.equal(na + nb, paths.length, `replica a ${na}, b ${nb}: no file analyzed twice`);
    assert.ok(na > 0 && nb > 0, `both replicas worked (a ${na}, b ${nb})`);
  } finally {
    await Promise.all([a!.stop(), b!.stop()]);
  }
});

test('isr.analyze answers for a file with no analysis yet, then returns the stored one; per-source parameters apply', async () => {
  const out = join(shared.dir, 'req');
  const a = await startInstance(shared.server, out, 'analyzer_startup_scan = false');
  try {
    await recording(fixture, out, 'radio3/old.wav');
    await recording(fixture, out, 'quiet/old.wav');
    const ask = async (body: unknown) =>
      parseJson<AnalyzeReply>(
        (await a.bus.nc.request(Subjects.analyze, encodeJson(body), { timeout: 20_000 })).data,
        'reply',
      );
    const first = await ask({ path: 'radio3/old.wav' });
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.analysis.loudSections!.length, 2);
    assert.equal(
      first.analysis.detail,
      'summary',
      'the reply is the KV-sized summary; zoom levels stay in the sidecar',
    );
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

test('start-up scan analyzes recordings without analysis, skipping active and growing files', async () => {
  const out = join(shared.dir, 'scan');
  await recording(fixture, out, 'radio4/a.wav');
  await recording(fixture, out, 'radio4/b.flac.wav');
  await recording(fixture, out, 'radio4/active.wav');
  await recording(fixture, out, 'radio4/growing.wav');
  await writeFile(join(out, 'status.json'), JSON.stringify({ active: ['radio4/active.wav'] }));
  const grow = setInterval(() => void appendFile(join(out, 'radio4/growing.wav'), Buffer.alloc(3200)), 200);
  const a = await startInstance(shared.server, out);
  try {
    await waitFor(
      'scan results',
      () =>
        existsSync(join(out, 'radio4/a.wav.analysis.json')) && existsSync(join(out, 'radio4/b.flac.wav.analysis.json')),
      30_000,
    );
    await sleep(500);
    assert.equal(existsSync(join(out, 'radio4/active.wav.analysis.json')), false, 'active file skipped');
    assert.equal(existsSync(join(out, 'radio4/growing.wav.analysis.json')), false, 'growing file skipped');
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { trigger: 'scan' }), 2);
  } finally {
    clearInterval(grow);
    await a.stop();
  }
});
