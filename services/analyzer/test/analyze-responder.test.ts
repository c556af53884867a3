import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { analysisKey, encodeJson, parseJson, Subjects, type AnalyzeReply } from '@isr/contract';
import { soxSynth } from '@isr/testkit';
import { metric, recording, serverAndDir, startInstance, type Instance } from './harness.ts';

// isr.analyze against a real nats-server and an in-process analyzer: the bounded request queue, de-duplication,
// threshold overrides re-derived from the stored window series, and paths that are no recording.
let long: string;
const shared = serverAndDir('isr-analyzer-req-', (dir) => {
  // The reporter's case: a 10-minute WAV (16 kHz mono here), pink noise swelling and fading.
  long = join(dir, 'long.wav');
  soxSynth(long, { rate: 16000, channels: 1 }, 'synth 600 pinknoise vol -8dB tremolo 0.3 90');
});

const ask = async (a: Instance, body: unknown) =>
  parseJson<AnalyzeReply>(
    (await a.bus.nc.request(Subjects.analyze, encodeJson(body), { timeout: 60_000 })).data,
    'reply',
  );
const codeOf = (r: AnalyzeReply) => (r.ok ? 'ok' : r.code);

test('100 concurrent overrides of one file: at most analyze_queue_max are taken, the rest are refused at once as ANALYZER_BUSY, identical ones share one analysis', async () => {
  const out = join(shared.dir, 'busy');
  const a = await startInstance(
    shared.server,
    out,
    'analyzer_startup_scan = false\nanalyzer_live = false\nanalyze_queue_max = 4',
  );
  try {
    await recording(long, out, 'radio3/long.wav'); // no analysis yet: an override has to decode
    const bodies = [
      ...Array.from({ length: 20 }, () => ({ path: 'radio3/long.wav', threshold: 0.5, force: true })),
      ...Array.from({ length: 80 }, (_, i) => ({ path: 'radio3/long.wav', threshold: 0.1 + i / 1000, force: true })),
    ];
    const t0 = performance.now();
    const replies = await Promise.all(bodies.map((b) => ask(a, b)));
    const seconds = (performance.now() - t0) / 1000;
    const codes = replies.map(codeOf);
    assert.deepEqual(
      codes.slice(0, 20),
      Array(20).fill('ok'),
      'the 20 identical requests came first and share the first analysis',
    );
    assert.equal(codes.filter((c) => c === 'ok').length, 23, '1 + 3 distinct analyses fill the queue of 4');
    assert.equal(codes.filter((c) => c === 'ANALYZER_BUSY').length, 77);
    const busy = replies.find((r) => !r.ok)!;
    assert.match(!busy.ok ? busy.error : '', /analyze_queue_max = 4/);
    assert.equal(
      await metric(a.registry, 'isr_analyzer_files_total', { trigger: 'request' }),
      4,
      'four decodes, not 81',
    );
    assert.equal(await metric(a.registry, 'isr_analyzer_requests_total', { outcome: 'shared' }), 19);
    assert.equal(await metric(a.registry, 'isr_analyzer_requests_total', { outcome: 'busy' }), 77);
    assert.equal(await metric(a.registry, 'isr_analyzer_request_queue'), 0, 'the queue is empty once all are answered');
    assert.equal(existsSync(join(out, 'radio3/long.wav.analysis.json')), false, 'an override stores nothing');
    process.stdout.write(`# 100 overrides, queue 4, no window series: ${seconds.toFixed(2)} s\n`);
    const after = await ask(a, { path: 'radio3/long.wav', threshold: 0.25 });
    assert.equal(codeOf(after), 'ok', 'room again once the queue drained');
  } finally {
    await a.stop();
  }
});

test('an override of an analyzed file is re-derived from the stored window series: no decode', async () => {
  const out = join(shared.dir, 'windows');
  const a = await startInstance(
    shared.server,
    out,
    'analyzer_startup_scan = false\nanalyzer_live = false\nanalyze_queue_max = 8',
  );
  try {
    await recording(long, out, 'radio3/long.wav');
    let t0 = performance.now();
    const stored = await ask(a, { path: 'radio3/long.wav' });
    const decodeMs = performance.now() - t0;
    assert.ok(stored.ok && stored.stored, JSON.stringify(stored).slice(0, 300));
    assert.equal(stored.analysis.durationSeconds, 600);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total', { trigger: 'request' }), 1);
    t0 = performance.now();
    const overrides = await Promise.all(
      [0.02, 0.1, 0.2, 0.3, 0.3, 0.3, 0.4, 0.5].map((threshold) =>
        ask(a, { path: 'radio3/long.wav', threshold, force: true }),
      ),
    );
    const overrideMs = performance.now() - t0;
    for (const o of overrides) {
      assert.ok(o.ok, JSON.stringify(o));
      assert.equal(o.analysis.sectionsFrom, 'windows');
      assert.equal(o.stored, false);
      assert.equal(o.analysis.integratedLufs, stored.analysis.integratedLufs);
    }
    const second = overrides[1]!;
    assert.equal(second.ok && second.analysis.params!.threshold, 0.1);
    const counts = overrides.map((o) => (o.ok ? o.analysis.loudSections!.length : -1));
    assert.ok(counts[0]! >= counts[7]!, `a lower threshold finds at least as many sections: ${counts}`);
    assert.equal(
      await metric(a.registry, 'isr_analyzer_files_total', { trigger: 'request' }),
      1,
      'no decode for an override',
    );
    assert.equal(await metric(a.registry, 'isr_analyzer_requests_total', { outcome: 'rederived' }), 6);
    assert.equal(await metric(a.registry, 'isr_analyzer_requests_total', { outcome: 'shared' }), 2);
    process.stdout.write(
      `# 10-min WAV: decode ${decodeMs.toFixed(0)} ms; 8 overrides from the window series ${overrideMs.toFixed(0)} ms\n`,
    );
  } finally {
    await a.stop();
  }
});

test('a path that is no recording is refused as NOT_AUDIO and nothing is written beside it', async () => {
  const out = join(shared.dir, 'notaudio');
  const a = await startInstance(shared.server, out, 'analyzer_startup_scan = false\nanalyzer_live = false');
  try {
    await recording(long, out, 'radio3/long.wav');
    await writeFile(join(out, 'radio3/status.json'), '{"state":"recording"}');
    await writeFile(join(out, 'radio3/notes.txt'), 'hello');
    const before = (await readdir(join(out, 'radio3'))).sort();
    for (const path of ['radio3/status.json', 'radio3/notes.txt', 'radio3/long.wav.analysis.json', 'status.json']) {
      for (const extra of [{}, { force: true }, { threshold: 0.3 }]) {
        const r = await ask(a, { path, ...extra });
        assert.equal(codeOf(r), 'NOT_AUDIO', `${path} ${JSON.stringify(extra)}`);
        assert.match(!r.ok ? r.error : '', /is not a recording/);
      }
    }
    assert.deepEqual((await readdir(join(out, 'radio3'))).sort(), before, 'no sidecar, no temp file');
    assert.equal(await a.bus.kv.analysis.get(analysisKey('radio3/status.json')), null);
    assert.equal(await metric(a.registry, 'isr_analyzer_files_total'), 0);
    assert.equal(await metric(a.registry, 'isr_analyzer_requests_total', { outcome: 'refused' }), 12);
  } finally {
    await a.stop();
  }
});
