// Stopping the segmenter (SIGTERM from docker or systemd, which kill it after a grace period) closes its files at
// once, whatever failover_seconds makes the group's poll interval (10 % of it: 12 s here).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, recordings, segmenterBacklog, setup, wavSamples, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nfailover_seconds = 120\n\n[card1]\ntype = soundcard\nformat = wav\n`,
  );
});
after(async () => h.cleanup());

test('close() returns in a moment, not after the group’s next poll (12 s), and the file ends as a shutdown', async () => {
  const { service } = await h.start();
  const pcm = pcmSignal(16000 * 2, 2);
  const stream = { source: 'card1', session: 's1', sessionStartMs: Date.now() - 5000, sampleRate: 16000, channels: 2 };
  await publishPcm(h.bus, stream, pcm, 1600);
  await waitFor('the file opened', () => h.events.opened.length === 1, 10_000);
  await waitFor('all delivered', async () => {
    const b = await segmenterBacklog(h.bus.jsm);
    return b.num_pending === 0 && b.num_ack_pending === 0;
  });
  const t0 = performance.now();
  await service.close();
  const ms = performance.now() - t0;
  // Tens of ms here; the bound leaves room for a loaded CI machine and stays far below the 12 s poll.
  assert.ok(ms < 5000, `close() took ${ms.toFixed(0)} ms`);
  console.log(`close() took ${ms.toFixed(0)} ms`);
  await waitFor('the shutdown event', () => h.events.closed.some((e) => e.reason === 'shutdown'), 5000);
  assert.ok(Buffer.concat(recordings(`${h.dir}/rec`, 'card1', 'wav').map(wavSamples)).equals(pcm));
});
