import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { analysisKey, encodeJson, Subjects, type ForgetReply } from '@isr/contract';
import { waitFor } from '@isr/testkit';
import { makeBursts } from './fixtures.ts';
import { closedEvent, recording, serverAndDir, startInstance } from './harness.ts';

let fixture: string;
const shared = serverAndDir('isr-analyzer-forget-', (dir) => {
  fixture = join(dir, 'fixture.wav');
  makeBursts(fixture, 16000, 1);
});

test('isr.analyze.forget purges the analysis of a deleted recording, and keeps that of a recording still on disk', async () => {
  const out = join(shared.dir, 'forget');
  const a = await startInstance(shared.server, out, 'analyzer_startup_scan = false');
  try {
    const rel = 'radio1/2026-11-24/2026-11-24_07-00-00+0100.wav';
    const abs = await recording(fixture, out, rel);
    await a.bus.js.publish(Subjects.segmentClosed('radio1'), encodeJson(closedEvent('radio1', rel)));
    await waitFor(
      'the analysis in KV',
      async () => (await a.bus.kv.analysis.get(analysisKey(rel)))?.operation === 'PUT',
      30_000,
    );
    const ask = async (path: string) =>
      (await a.bus.nc.request(Subjects.analyzeForget, encodeJson({ path }), { timeout: 5000 })).json<ForgetReply>();

    const kept = await ask(rel);
    assert.equal(kept.ok, false, 'a recording still on disk keeps its analysis');
    assert.equal((await a.bus.kv.analysis.get(analysisKey(rel)))?.operation, 'PUT');
    assert.equal((await ask('../etc/passwd')).ok, false);

    await unlink(abs);
    assert.deepEqual(await ask(rel), { ok: true, forgotten: true });
    assert.notEqual((await a.bus.kv.analysis.get(analysisKey(rel)))?.operation, 'PUT', 'the record is purged');
    assert.deepEqual(await ask(rel), { ok: true, forgotten: false });
  } finally {
    await a.stop();
  }
});
