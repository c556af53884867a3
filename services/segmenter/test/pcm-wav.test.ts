import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseWavHeader, SplitClock, ZoneClock } from '@isr/audio';
import { frameAtOrAfter } from '@isr/contract';
import { waitFor } from '@isr/testkit';
import { readFileSync } from 'node:fs';
import {
  pcmSignal,
  publishPcm,
  publishPcmSizes,
  recordings,
  setup,
  wavSamples,
  type Harness,
  segmenterBacklog,
} from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = Europe/Berlin\n\n[card1]\ntype = soundcard\nformat = wav\n`,
  );
});
after(async () => h.cleanup());

test('PCM to WAV: sample-accurate splits, the concatenation equals the input bit for bit', async () => {
  const rate = 16000;
  const channels = 2;
  const frames = rate * 10 + 123;
  const pcm = pcmSignal(frames, channels);
  const sessionStartMs = Date.parse('2026-11-24T10:00:00.700Z');
  const stream = { source: 'card1', session: 's1', sessionStartMs, sampleRate: rate, channels };
  const { service } = await h.start();
  await publishPcm(h.bus, stream, pcm, 1600);
  await waitFor('all chunks written', () => h.events.closed.length >= 3, 30_000);
  await waitFor('all acknowledged', async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0, 20_000);
  await service.close();
  await waitFor('shutdown event', () => h.events.closed.filter((e) => e.source === 'card1').length === 4);

  const files = recordings(`${h.dir}/rec`, 'card1', 'wav');
  const datas = files.map(wavSamples);
  assert.ok(Buffer.concat(datas).equals(pcm), 'concatenated WAV data equals the published PCM');
  // Boundaries: every 3 s of local time; the first file ends at the first boundary after 10:00:00.700Z.
  const clock = new SplitClock(0.05, new ZoneClock('Europe/Berlin'));
  let start = 0;
  for (const [i, d] of datas.entries()) {
    const n = d.length / (channels * 2);
    const startMs = sessionStartMs + (start * 1000) / rate;
    const endFrame = frameAtOrAfter(clock.next(startMs), sessionStartMs, rate);
    if (i < datas.length - 1) assert.equal(start + n, endFrame, `file ${i} ends on the boundary frame`);
    if (i > 0 && i < datas.length - 1)
      assert.equal(n, 0.05 * 60 * rate, `file ${i} holds exactly split_minutes of frames`);
    start += n;
  }
  assert.equal(files.length, 4);
  assert.match(files[0]!, /card1\/2026-11-24\/2026-11-24_11-00-00\+0100\.wav$/);
  assert.match(files[1]!, /2026-11-24_11-00-03\+0100\.wav$/);
  // BWF bext: origination time and time reference of the first sample.
  const head = parseWavHeader(readFileSync(files[1]!));
  assert.equal(head.bext?.originationDate, '2026-11-24');
  assert.equal(head.bext?.originationTime, '11:00:03');
  assert.equal(head.bext?.timeReference, (11 * 3600 + 3) * rate);
  // Events
  const closed = h.events.closed.filter((e) => e.source === 'card1');
  assert.equal(closed.length, 4);
  assert.equal(closed[1]!.frames, 48000);
  assert.equal(closed[1]!.reason, 'split');
  assert.equal(closed.at(-1)!.reason, 'shutdown');
  assert.equal(closed[1]!.start, '2026-11-24T10:00:03.000Z');
  assert.equal(closed[1]!.startLocal, '2026-11-24T11:00:03.000+01:00');
});

test('the same splits whatever the chunking: 1-frame, 997-frame and random chunks', async () => {
  const rate = 11025; // 1.667 s × 11.025 frames/ms is not whole: the split takes the first frame after
  const pcm = pcmSignal(rate * 7 + 5, 1, 11);
  const sessionStartMs = Date.parse('2026-11-24T10:00:01.333Z');
  let seed = 7;
  const random = Array.from({ length: 200 }, () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), 1 + (seed % 2500)));
  const runs: Record<string, number[]> = { ones: [1, 1, 1, 997], odd: [997], random };
  const { service } = await h.start();
  const sources = Object.keys(runs).map((k) => `chunk-${k}`);
  for (const [k, sizes] of Object.entries(runs)) {
    await publishPcmSizes(
      h.bus,
      { source: `chunk-${k}`, session: `c-${k}`, sessionStartMs, sampleRate: rate, channels: 1 },
      pcm,
      sizes,
    );
  }
  await waitFor(
    'all acknowledged',
    async () => {
      const ci = await segmenterBacklog(h.bus.jsm);
      return ci.num_pending === 0 && ci.num_ack_pending === 0;
    },
    60_000,
    200,
  );
  await service.close();
  const lengths = sources.map((s) =>
    recordings(`${h.dir}/rec`, s, 'wav').map((f) => {
      const d = wavSamples(f);
      assert.ok(d.length > 0);
      return d;
    }),
  );
  for (const [i, datas] of lengths.entries())
    assert.ok(Buffer.concat(datas).equals(pcm), `${sources[i]}: files concatenate to the input`);
  const frameCounts = lengths.map((ds) => ds.map((d) => d.length / 2));
  assert.deepEqual(frameCounts[1], frameCounts[0]);
  assert.deepEqual(frameCounts[2], frameCounts[0]);
  // 10:00:01.333Z → boundary 10:00:03Z is 1.667 s = 18378.675 frames later: the file ends before frame 18379.
  assert.deepEqual(frameCounts[0], [18379, 3 * rate, rate * 7 + 5 - 18379 - 3 * rate]);
});

test('across the fall-back hour the repeated local time gets its own file names, no collision, no lost frame', async () => {
  const rate = 8000;
  const pcm = pcmSignal(rate * 6, 1, 21);
  const sessionStartMs = Date.parse('2026-10-25T00:59:58.000Z'); // 02:59:58 CEST; at 01:00Z clocks go back to 02:00 CET
  const { service } = await h.start();
  await publishPcm(h.bus, { source: 'dst', session: 'd1', sessionStartMs, sampleRate: rate, channels: 1 }, pcm, 800);
  await waitFor('files split', () => h.events.closed.filter((e) => e.source === 'dst').length >= 2, 20_000);
  await service.close();
  const closed = await waitFor('last file closed', () => {
    const c = h.events.closed.filter((e) => e.source === 'dst');
    return c.length === 3 ? c : null;
  });
  assert.deepEqual(
    closed.map((e) => e.path.split('/').at(-1)),
    ['2026-10-25_02-59-58+0200.wav', '2026-10-25_02-00-00+0100.wav', '2026-10-25_02-00-03+0100.wav'],
  );
  assert.deepEqual(
    closed.map((e) => e.frames),
    [2 * rate, 3 * rate, rate],
  );
  assert.equal(closed[1]!.startLocal, '2026-10-25T02:00:00.000+01:00');
  const byStart = closed.map((e) => wavSamples(`${h.dir}/rec/${e.path}`));
  assert.ok(Buffer.concat(byStart).equals(pcm));
});
