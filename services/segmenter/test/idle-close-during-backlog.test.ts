import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, recordings, setup, wavSamples, type Harness } from './harness.ts';

// Regression: the idle close looked only at the wall clock passing the period's end, so when a backlog of past
// periods was replayed (segmenter restart after an outage, capture flushing its NATS-outage buffer) it closed
// files while their chunks were still arriving, cutting one period into several files.
let h: Harness;
before(async () => {
  h = await setup(
    (dir) => `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 0.05\ntimezone = UTC\nidle_close_seconds = 1\n`,
  );
});
after(async () => h.cleanup());

test('a backlog of a past period arriving slowly stays in one file and closes as idle after it ends', async () => {
  const { service } = await h.start();
  const rate = 8000;
  const pcm = pcmSignal(2 * rate, 1);
  const start = Math.floor((Date.now() - 600_000) / 3000) * 3000 + 100; // a 3 s period that ended ten minutes ago
  const s = { source: 'backlog', session: 'b1', sessionStartMs: start, sampleRate: rate, channels: 1 };
  for (let f = 0; f < 2 * rate; f += 800) {
    await publishPcm(h.bus, s, pcm, 800, f, f + 800);
    await sleep(250); // 20 chunks over ~5 s of wall time, each well within idle_close_seconds of the previous
  }
  const closed = await waitFor(
    'idle close after the backlog',
    () => h.events.closed.find((e) => e.source === 'backlog'),
    15_000,
    100,
  );
  assert.equal(closed.reason, 'idle');
  assert.equal(closed.frames, 2 * rate, 'the whole backlog of the period is in one file');
  const files = recordings(`${h.dir}/rec`, 'backlog', 'wav');
  assert.deepEqual(files.length, 1, `one file, not ${files.join(', ')}`);
  assert.ok(wavSamples(files[0]!).equals(pcm));
  await service.close();
});
