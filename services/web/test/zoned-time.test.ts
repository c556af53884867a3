import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatOffset, instantsOf, isoIn, offsetAt, wallOf } from '../page/zoned-time.ts';

const BERLIN = 'Europe/Berlin';

test('an ordinary wall time names one instant, with the zone’s offset', () => {
  assert.deepEqual(instantsOf('2026-10-24T14:32:00', BERLIN), [
    { ms: Date.parse('2026-10-24T12:32:00Z'), offset: 120 },
  ]);
  assert.deepEqual(instantsOf('2026-12-01T08:00', BERLIN), [{ ms: Date.parse('2026-12-01T07:00:00Z'), offset: 60 }]);
  assert.deepEqual(instantsOf('2026-07-01T12:00:00', 'America/New_York'), [
    { ms: Date.parse('2026-07-01T16:00:00Z'), offset: -240 },
  ]);
});

test('in the repeated hour of a fall-back day a wall time names two instants, summer time first', () => {
  assert.deepEqual(instantsOf('2026-10-25T02:30:10', BERLIN), [
    { ms: Date.parse('2026-10-25T00:30:10Z'), offset: 120 },
    { ms: Date.parse('2026-10-25T01:30:10Z'), offset: 60 },
  ]);
  // Either side of the repeated hour: one instant.
  assert.equal(instantsOf('2026-10-25T01:59:59', BERLIN)!.length, 1);
  assert.equal(instantsOf('2026-10-25T03:00:00', BERLIN)!.length, 1);
});

test('in the skipped hour of a spring-forward day a wall time names no instant', () => {
  assert.deepEqual(instantsOf('2026-03-29T02:30:00', BERLIN), []);
  assert.equal(instantsOf('2026-03-29T03:00:00', BERLIN)!.length, 1);
});

test('text that is not a wall time is null', () => {
  assert.equal(instantsOf('yesterday', BERLIN), null);
  assert.equal(instantsOf('2026-10-25 02:30', BERLIN), null);
});

test('instants are written back in the zone’s offset of that instant (both 02:30s of the fall-back day differ)', () => {
  assert.equal(isoIn(Date.parse('2026-10-25T00:30:10Z'), BERLIN), '2026-10-25T02:30:10+02:00');
  assert.equal(isoIn(Date.parse('2026-10-25T01:30:10.900Z'), BERLIN), '2026-10-25T02:30:10+01:00');
  assert.deepEqual(wallOf(Date.parse('2026-10-24T12:32:05Z'), BERLIN), { wall: '2026-10-24T14:32:05', offset: 120 });
  assert.equal(offsetAt(Date.parse('2026-10-25T00:59:59Z'), BERLIN), 120);
  assert.equal(offsetAt(Date.parse('2026-10-25T01:00:00Z'), BERLIN), 60);
  assert.equal(formatOffset(-210), '-03:30');
  assert.equal(isoIn(Date.parse('2026-10-24T12:32:05Z'), 'UTC'), '2026-10-24T12:32:05+00:00');
});
