import assert from 'node:assert/strict';
import { test } from 'node:test';
import { covered, gapsOf, spansOf } from '../page/day-spans.ts';

const T = Date.parse('2026-10-24T12:32:00Z');
const DAY = { start: Date.parse('2026-10-23T22:00:00Z'), end: Date.parse('2026-10-24T22:00:00Z') };
const file = (offsetS: number, durationSeconds: number | null, recording = false) => ({
  startMs: T + offsetS * 1000,
  durationSeconds,
  recording,
});

test('abutting files make one span; a gap splits them; the gap lies between', () => {
  const spans = spansOf([file(20, 20), file(0, 20), file(60, 20)], DAY.start, DAY.end, T + 3_600_000);
  assert.deepEqual(spans, [
    { startMs: T, endMs: T + 40_000 },
    { startMs: T + 60_000, endMs: T + 80_000 },
  ]);
  assert.deepEqual(gapsOf(spans), [{ startMs: T + 40_000, endMs: T + 60_000 }]);
  assert.equal(covered(spans, T + 39_999), true);
  assert.equal(covered(spans, T + 50_000), false);
});

test('files are clipped to the day; a file being recorded reaches now; one of unknown length is nothing', () => {
  const spans = spansOf(
    [{ startMs: DAY.start - 60_000, durationSeconds: 120, recording: false }, file(0, null, true), file(100, null)],
    DAY.start,
    DAY.end,
    T + 5000,
  );
  assert.deepEqual(spans, [
    { startMs: DAY.start, endMs: DAY.start + 60_000 },
    { startMs: T, endMs: T + 5000 },
  ]);
});

test('files within a second of each other join (a coded split lands on the next frame)', () => {
  assert.equal(spansOf([file(0, 19.98), file(20, 20)], DAY.start, DAY.end, T).length, 1);
  assert.equal(spansOf([file(0, 18), file(20, 20)], DAY.start, DAY.end, T).length, 2);
});
