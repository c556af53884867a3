import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveLevel } from '@isr/contract';
import { LiveMeter } from '../src/live-meter.ts';

const rate = 8000;
const opts = {
  source: 's',
  session: 'x',
  sampleRate: rate,
  channels: 1,
  sessionStartMs: Date.parse('2026-11-24T00:00:00Z'),
  deadAirThresholdDbfs: -50,
  deadAirSeconds: 2,
  intervalSeconds: 0.25,
  pairSeconds: 0.05,
};
const tone = (seconds: number, amp: number) =>
  Float32Array.from({ length: seconds * rate }, (_, i) => amp * Math.sin((2 * Math.PI * 400 * i) / rate));

function feed(m: LiveMeter, x: Float32Array, chunk: number): LiveLevel[] {
  const out: LiveLevel[] = [];
  for (let at = 0; at < x.length; at += chunk) {
    const part = x.subarray(at, Math.min(x.length, at + chunk));
    out.push(...m.push(part, part.length));
  }
  return out;
}

test('levels every 0.25 s of audio, over the last second, with min/max pairs; the same whatever the chunking', () => {
  const x = tone(2, 0.5);
  const a = feed(new LiveMeter(opts, 0), x, x.length);
  const b = feed(new LiveMeter(opts, 0), x, 333);
  assert.deepEqual(a, b);
  assert.equal(a.length, 8);
  const last = a.at(-1)!;
  assert.ok(Math.abs(last.rmsDbfs - -9.03) < 0.05 && Math.abs(last.peakDbfs - -6.02) < 0.05, JSON.stringify(last));
  assert.equal(
    a.reduce((n, l) => n + l.waveform.length, 0),
    2 * 40,
    'every 50 ms pair sent once',
  );
  assert.ok(
    a.every((l) => l.waveform.length >= 8 && l.waveform.length <= 12),
    'messages every 0.2–0.3 s (at 100 ms slot boundaries)',
  );
  assert.equal(last.time, '2026-11-24T00:00:02.000Z');
  assert.equal(last.offset, 2 * rate);
});

test('dead air after dead_air_seconds below the threshold, over when sound returns', () => {
  const m = new LiveMeter(opts, 0);
  feed(m, tone(1, 0.5), 800);
  const quiet = feed(m, tone(3, 0.001), 800); // −63 dBFS: below −50
  const firstDead = quiet.findIndex((l) => l.deadAir);
  assert.ok(firstDead >= 0);
  assert.ok(Math.abs(quiet[firstDead]!.silentSeconds - 2) < 0.01, `dead after ${quiet[firstDead]!.silentSeconds} s`);
  assert.ok(!quiet.slice(0, firstDead).some((l) => l.deadAir));
  assert.equal(m.deadAir, true);
  feed(m, tone(0.2, 0.5), 800);
  assert.equal(m.deadAir, false);
});
