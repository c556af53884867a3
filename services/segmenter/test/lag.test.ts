// isr_segmenter_lag_seconds keeps counting while nothing is written, so a stalled segmenter (or a capture
// that stopped) shows as a growing lag instead of the last value frozen (alert IsrSegmenterStalled).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '@isr/testkit';
import { pcmSignal, publishPcm, setup, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup(
    (dir) =>
      `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 1\ntimezone = UTC\nstatus_interval_seconds = 0.5\n\n[card1]\ntype = soundcard\nformat = wav\n`,
  );
});
after(async () => h.cleanup());

test('the lag is refreshed while nothing is written: it grows with the wall clock after the last chunk', async () => {
  const { registry } = await h.start();
  const lag = async () =>
    (await registry.getSingleMetric('isr_segmenter_lag_seconds')!.get()).values.find((v) => v.labels.source === 'card1')
      ?.value;
  await publishPcm(
    h.bus,
    { source: 'card1', session: 'lag1', sessionStartMs: Date.now() - 1000, sampleRate: 16000, channels: 1 },
    pcmSignal(16000, 1),
    1600,
  );
  const first = await waitFor('a lag after the chunks were written', lag, 10_000);
  await sleep(2000);
  const later = (await lag())!;
  assert.ok(later >= first + 1.5, `the lag grew from ${first} s to ${later} s with no chunk written`);
});
