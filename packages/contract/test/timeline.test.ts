import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkTimeMs, frameAtOrAfter, timeOfFrame } from '@isr/contract';

const s = Date.parse('2026-11-24T10:00:00.000Z');

test('timeOfFrame counts time in samples from the session start, before it too', () => {
  assert.equal(timeOfFrame(0, s, 48000), s);
  assert.equal(timeOfFrame(288000, s, 48000), s + 6000);
  assert.equal(timeOfFrame(441, s, 44100), s + 10);
  assert.equal(timeOfFrame(-4800, s, 48000), s - 100);
  assert.equal(timeOfFrame(1, 0, 48000), 1000 / 48000);
  assert.equal(chunkTimeMs({ sessionStartMs: s, offset: 24000, sampleRate: 48000 }), s + 500);
});

test('frameAtOrAfter gives the first frame at or after an instant, the inverse of timeOfFrame', () => {
  assert.equal(frameAtOrAfter(s + 6000, s, 48000), 288000);
  assert.equal(frameAtOrAfter(s + 1, s, 44100), 45); // 44.1 frames → 45
  assert.equal(frameAtOrAfter(s - 5, s, 48000), -240);
  for (const rate of [8000, 44100, 48000, 96000]) {
    for (const ms of [0, 1, 999, 3_600_000, 86_400_000 * 3 + 7]) {
      const f = frameAtOrAfter(s + ms, s, rate);
      assert.ok(timeOfFrame(f, s, rate) >= s + ms && timeOfFrame(f - 1, s, rate) < s + ms, `${rate} Hz, ${ms} ms`);
    }
  }
});
