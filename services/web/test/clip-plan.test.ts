import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planClip, selectFrames } from '../src/clip-plan.ts';

const H = Date.parse('2026-11-24T05:59:58Z');
const files = [
  { path: 'a.wav', startMs: H, sampleRate: 44100, channels: 2, frames: 88200 },
  // Starts 2 s later, at a time not representable in whole ms at 44.1 kHz: continues the sample clock.
  { path: 'b.wav', startMs: H + 2000, sampleRate: 44100, channels: 2, frames: 44100 },
];

test('a clip across a split is the exact concatenation of both files’ frames', () => {
  const p = planClip(files, H + 1500, H + 2500)!;
  assert.deepEqual(p.pieces, [
    { path: 'a.wav', fromFrame: 66150, toFrame: 88200 },
    { path: 'b.wav', fromFrame: 0, toFrame: 22050 },
  ]);
  assert.equal(p.frames, 44100);
});

test('a clip inside one file, at its edges, and outside every file', () => {
  assert.deepEqual(planClip(files, H, H + 1000)!.pieces, [{ path: 'a.wav', fromFrame: 0, toFrame: 44100 }]);
  assert.deepEqual(planClip(files, H + 2900, H + 9000)!.pieces, [{ path: 'b.wav', fromFrame: 39690, toFrame: 44100 }]);
  assert.equal(planClip(files, H + 5000, H + 6000), null);
});

test('a file after a gap is placed by its own start; a rate change ends the clip', () => {
  const gap = [
    ...files,
    { path: 'c.wav', startMs: H + 10_000, sampleRate: 44100, channels: 2, frames: 44100 },
    { path: 'd.wav', startMs: H + 11_000, sampleRate: 48000, channels: 2, frames: 48000 },
  ];
  const p = planClip(gap, H + 2500, H + 12_000)!;
  assert.deepEqual(
    p.pieces.map((x) => [x.path, x.fromFrame, x.toFrame]),
    [
      ['b.wav', 22050, 44100],
      ['c.wav', 0, 44100],
    ],
  );
});

test('selectFrames keeps the frames that overlap the span', () => {
  const frames = [0, 1, 2, 3].map((i) => ({ offset: i * 10, bytes: 10, startMs: i * 26, durationMs: 26 }));
  assert.deepEqual(
    selectFrames(frames, 30, 60).map((f) => f.offset),
    [10, 20],
  );
});
