import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runsAhead, SampleClock } from '../src/sample-clock.ts';

test('the session is anchored once, at the first byte, minus the frames that byte batch holds', () => {
  const c = new SampleClock(48000);
  assert.equal(c.anchor(1_000_000, 4800), 1_000_000 - 100);
  assert.equal(c.anchor(2_000_000, 9600), 999_900, 'a second anchor call changes nothing');
  assert.equal(c.timeOf(48000), 999_900 + 1000);
});

test('chunk times come from the sample count, not from when the chunk arrived', () => {
  const c = new SampleClock(8000);
  c.anchor(0, 0);
  assert.equal(c.timeOf(8000 * 3600), 3_600_000);
});

test('drift is sample clock minus wall clock', () => {
  const c = new SampleClock(48000);
  c.anchor(0, 0);
  assert.equal(c.driftSeconds(10_000, 480_000), 0);
  assert.ok(Math.abs(c.driftSeconds(10_000, 480_048) - 0.001) < 1e-9, 'device 100 ppm fast');
  assert.ok(Math.abs(c.driftSeconds(10_000, 479_952) + 0.001) < 1e-9, 'device 100 ppm slow');
});

test('a device that delivers faster than real time is recognised; bursts and drifting crystals are not', () => {
  assert.equal(runsAhead(48000 * 2, 48000, 1000), false, 'a 1 s burst ahead');
  assert.equal(runsAhead(48000 * 10, 48000, 100), true, '10 s of audio in 0.1 s');
  const day = 86_400_000;
  assert.equal(runsAhead(Math.round(48000 * 86400 * 1.0001), 48000, day), false, 'a 100 ppm fast card over a day');
});
