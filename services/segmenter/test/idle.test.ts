import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, recordings, setup, wavSamples, type Harness, segmenterBacklog } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nidle_close_seconds = 1\n`,
  );
});
after(async () => h.cleanup());

test('a file whose boundary passed with no more audio is closed as idle, complete and acknowledged', async () => {
  const { service } = await h.start();
  const rate = 8000;
  const pcm = pcmSignal(rate, 1, 8);
  const start = Math.floor(Date.now() / 3000) * 3000 + 100; // inside one 3 s interval (UTC), boundary ≤ 3 s ahead
  await publishPcm(
    h.bus,
    { source: 'live', session: 'i1', sessionStartMs: start, sampleRate: rate, channels: 1 },
    pcm,
    800,
  );
  const closed = await waitFor('idle close', () => h.events.closed.find((e) => e.source === 'live'), 15_000, 100);
  assert.equal(closed.reason, 'idle');
  assert.equal(closed.frames, rate);
  await waitFor('acknowledged', async () => (await segmenterBacklog(h.bus.jsm)).num_ack_pending === 0, 10_000);
  const files = recordings(`${h.dir}/rec`, 'live', 'wav');
  assert.equal(files.length, 1);
  assert.ok(wavSamples(files[0]!).equals(pcm));
  await service.close();
});
