import assert from 'node:assert/strict';
import { test } from 'node:test';
import { epochFrame, toneFrames, toneIsSilent, type ToneSpec } from '@isr/audio';

const spec: ToneSpec = {
  sampleRate: 48000,
  channels: 2,
  frequency: 1000,
  levelDbfs: -18,
  silenceSeconds: 1,
  periodSeconds: 10,
};
// 2026-12-02T03:00:00Z as a frame number: ~8.5e13, where n·f would lose precision in a double
const t0 = epochFrame(Date.parse('2026-12-02T03:00:00Z'), spec.sampleRate);

const samples = (b: Buffer, channel = 0, channels = 2) =>
  Array.from({ length: b.length / 2 / channels }, (_, i) => b.readInt16LE((i * channels + channel) * 2));
const dbfs = (x: number) => 20 * Math.log10(x / 32767);

test('the same frames whole, in 1-frame, 997-frame and random pieces', () => {
  const frames = 48000 * 2;
  const whole = toneFrames(spec, t0, frames);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 5000) + 1;
  for (const size of [() => 1, () => 997, rand]) {
    const parts: Buffer[] = [];
    for (let at = 0; at < frames;) {
      const n = Math.min(size(), frames - at);
      parts.push(toneFrames(spec, t0 + at, n));
      at += n;
    }
    assert.ok(Buffer.concat(parts).equals(whole));
  }
});

test('a sine at the configured peak level and frequency, the same on every channel', () => {
  const b = toneFrames({ ...spec, silenceSeconds: 0 }, t0 + 123, 48000);
  const left = samples(b, 0);
  assert.deepEqual(samples(b, 1), left);
  const peak = Math.max(...left.map(Math.abs));
  assert.ok(Math.abs(dbfs(peak) - -18) < 0.01, `peak ${dbfs(peak)} dBFS`);
  const rms = Math.sqrt(left.reduce((s, x) => s + x * x, 0) / left.length);
  assert.ok(Math.abs(dbfs(rms) - (-18 - 3.0103)) < 0.01, `rms ${dbfs(rms)} dBFS: a sine's RMS is 3 dB below its peak`);
  const upward = left.filter((x, i) => i > 0 && left[i - 1]! < 0 && x >= 0).length;
  assert.ok(Math.abs(upward - 1000) <= 1, `${upward} cycles in one second`);
});

test('silent for the last second of every 10 s of the UTC clock, and only then', () => {
  // t0 is a whole 10 s of UTC: frames 9 s … 10 s after it are silent, the 9 s before are tone
  assert.equal(toneIsSilent(spec, t0), false);
  assert.equal(toneIsSilent(spec, t0 + 9 * 48000 - 1), false);
  assert.equal(toneIsSilent(spec, t0 + 9 * 48000), true);
  assert.equal(toneIsSilent(spec, t0 + 10 * 48000 - 1), true);
  assert.equal(toneIsSilent(spec, t0 + 10 * 48000), false);
  const b = toneFrames(spec, t0 + 8 * 48000, 2 * 48000);
  const left = samples(b);
  assert.ok(
    left.slice(0, 48000).some((x) => Math.abs(x) > 1000),
    'tone in second 8',
  );
  assert.ok(
    left.slice(48000).every((x) => x === 0),
    'digital silence in second 9',
  );
  assert.equal(toneIsSilent({ ...spec, silenceSeconds: 0 }, t0 + 9.5 * 48000), false, 'silence 0: continuous tone');
});

test('0 dBFS is a full-scale sine without overflow; mono works', () => {
  const b = toneFrames({ ...spec, channels: 1, levelDbfs: 0, silenceSeconds: 0 }, t0, 4800);
  const s = samples(b, 0, 1);
  assert.equal(Math.max(...s), 32767);
  assert.equal(Math.min(...s), -32767);
});
