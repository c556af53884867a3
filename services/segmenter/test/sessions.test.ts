import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AudioHeaders, encodeAudioHeaders, Subjects } from '@isr/contract';
import { toHeaders } from '@isr/runtime';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, recordings, setup, wavSamples, type Harness, segmenterBacklog } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 60\ntimezone = Europe/Berlin\nstatus_interval_seconds = 0.5\n`,
  );
});
after(async () => h.cleanup());

test('a new session closes the file and records the gap; a poison message is termed and counted while other sources go on', async () => {
  // A file already where session A's first file would go: it must be kept, the new one numbered.
  const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
  const precious = `${h.dir}/rec/studio/2026-11-24/2026-11-24_11-10-00+0100.wav`;
  mkdirSync(`${h.dir}/rec/studio/2026-11-24`, { recursive: true });
  writeFileSync(precious, 'an earlier recording');
  const { service, registry } = await h.start();
  const rate = 8000;
  const a = pcmSignal(rate * 2, 1, 1);
  const b = pcmSignal(rate * 2, 1, 2);
  const t0 = Date.parse('2026-11-24T10:10:00.000Z');
  await publishPcm(
    h.bus,
    { source: 'studio', session: 'A', sessionStartMs: t0, sampleRate: rate, channels: 1 },
    a,
    800,
  );
  // Poison: a chunk whose Isr-Frames does not match its body, and one with a broken header.
  const good = encodeAudioHeaders({
    source: 'studio',
    format: 'pcm',
    codec: 'pcm_s16le',
    sampleRate: rate,
    channels: 1,
    session: 'X',
    sessionStartMs: t0,
    seq: 1,
    offset: 0,
    frames: 800,
  });
  await h.bus.js.publish(Subjects.audio('studio'), new Uint8Array(10), { headers: toHeaders(good) });
  await h.bus.js.publish(Subjects.audio('other'), new Uint8Array(1600), {
    headers: toHeaders({
      ...good,
      [AudioHeaders.source]: 'other',
      [AudioHeaders.sampleRate]: 'fast',
      [AudioHeaders.msgId]: 'bad-1',
    }),
  });
  // Session B starts 3.5 s after A ends (a reconnect).
  await publishPcm(
    h.bus,
    { source: 'studio', session: 'B', sessionStartMs: t0 + 2000 + 3500, sampleRate: rate, channels: 1 },
    b,
    800,
  );
  await publishPcm(h.bus, { source: 'other', session: 'O', sessionStartMs: t0, sampleRate: rate, channels: 1 }, a, 800);

  await waitFor('file of session A closed', () => h.events.closed.find((e) => e.session === 'A'), 20_000);
  await waitFor(
    'poison counted',
    async () => (await registry.getSingleMetricAsString('isr_segmenter_poison_messages_total')).includes(' 2'),
    20_000,
  );
  await waitFor(
    'all acknowledged or termed',
    async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0,
    20_000,
  );
  const closedA = h.events.closed.find((e) => e.session === 'A')!;
  assert.equal(closedA.reason, 'new-session');
  assert.equal(closedA.frames, rate * 2);
  const openedB = await waitFor('file of session B opened', () => h.events.opened.find((e) => e.session === 'B'));
  assert.deepEqual(openedB.gaps, [
    { start: '2026-11-24T10:10:02.000Z', end: '2026-11-24T10:10:05.500Z', seconds: 3.5, reason: 'new-session' },
  ]);
  // Live status: status.json lists the open files; KV has the recorder half.
  const status = await waitFor(
    'status.json',
    async () => {
      try {
        const s = JSON.parse((await import('node:fs')).readFileSync(`${h.dir}/rec/status.json`, 'utf8')) as {
          active: string[];
        };
        return s.active.length === 2 ? s : null;
      } catch {
        return null;
      }
    },
    10_000,
  );
  assert.deepEqual(status.active, [openedB.path, h.events.opened.find((e) => e.source === 'other')!.path].sort());
  const kv = await waitFor(
    'KV status',
    async () => (await h.bus.kv.status.get('studio'))?.json<{ recorder?: { file: string } }>().recorder,
  );
  assert.equal(kv.file, openedB.path);

  await service.close();
  const files = recordings(`${h.dir}/rec`, 'studio', 'wav').filter((f) => f !== precious);
  assert.equal(readFileSync(precious, 'utf8'), 'an earlier recording', 'an existing file is never overwritten');
  assert.match(files[0]!, /2026-11-24_11-10-00\+0100_1\.wav$/, 'a taken name gets _1 (sorting after it)');
  assert.equal(files.length, 2);
  assert.ok(wavSamples(files[0]!).equals(a));
  assert.ok(wavSamples(files[1]!).equals(b));
  assert.ok(
    wavSamples(recordings(`${h.dir}/rec`, 'other', 'wav')[0]!).equals(a),
    'the other source recorded despite the poison',
  );
  const closedB = await waitFor('session B closed', () => h.events.closed.find((e) => e.session === 'B'));
  assert.equal(closedB.reason, 'shutdown');
  assert.deepEqual(closedB.gaps, openedB.gaps);
  await assert.rejects(
    (await import('node:fs/promises')).access(`${h.dir}/rec/status.json`),
    'status.json is deleted on clean shutdown',
  );
});
