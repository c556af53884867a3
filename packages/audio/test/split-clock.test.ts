import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SplitClock, ZoneClock } from '@isr/audio';

const berlin = new ZoneClock('Europe/Berlin');
const iso = (t: number) => new Date(t).toISOString();

function boundaries(clock: SplitClock, fromIso: string, toIso: string): string[] {
  const out: string[] = [];
  let t = Date.parse(fromIso);
  const end = Date.parse(toIso);
  for (;;) {
    t = clock.next(t);
    if (t > end) return out;
    out.push(iso(t));
  }
}

test('hourly boundaries on an ordinary Berlin day fall on the local hour', () => {
  const c = new SplitClock(60, berlin);
  assert.deepEqual(boundaries(c, '2026-11-23T22:30:00Z', '2026-11-24T01:00:00Z'), [
    '2026-11-23T23:00:00.000Z',
    '2026-11-24T00:00:00.000Z',
    '2026-11-24T01:00:00.000Z',
  ]);
});

test('spring forward (Berlin 2026-03-29): 23 hourly files, 02:00 local does not exist', () => {
  const c = new SplitClock(60, berlin);
  const b = boundaries(c, '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z');
  assert.equal(b.length, 23);
  // local 01:00 (+01) = 00:00Z, then 03:00 (+02) = 01:00Z
  assert.deepEqual(b.slice(0, 3), ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
  assert.equal(b.at(-1), '2026-03-29T22:00:00.000Z'); // next local midnight
  assert.equal(berlin.offsetString(Date.parse(b[1]!)), '+02:00');
});

test('fall back (Berlin 2026-10-25): 25 hourly files, 02:00 local twice with different offsets', () => {
  const c = new SplitClock(60, berlin);
  const b = boundaries(c, '2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z');
  assert.equal(b.length, 25);
  assert.deepEqual(b.slice(0, 3), ['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']);
  assert.equal(berlin.isoLocal(Date.parse(b[1]!)), '2026-10-25T02:00:00.000+02:00');
  assert.equal(berlin.isoLocal(Date.parse(b[2]!)), '2026-10-25T02:00:00.000+01:00');
});

test('decimal split minutes: 0.25 = 15 s and 0.1 = 6 s from local midnight', () => {
  const q = new SplitClock(0.25, berlin);
  assert.equal(iso(q.next(Date.parse('2026-11-24T10:00:07.250Z'))), '2026-11-24T10:00:15.000Z');
  assert.equal(iso(q.next(Date.parse('2026-11-24T10:00:15.000Z'))), '2026-11-24T10:00:30.000Z');
  const six = new SplitClock(0.1, berlin);
  assert.equal(iso(six.next(Date.parse('2026-11-24T10:00:00.001Z'))), '2026-11-24T10:00:06.000Z');
  assert.equal(iso(six.previous(Date.parse('2026-11-24T10:00:05.999Z'))), '2026-11-24T10:00:00.000Z');
});

test('a split that does not divide the day restarts at local midnight', () => {
  const c = new SplitClock(7, berlin); // 1440/7 is not whole: last interval of the day is 5 minutes
  assert.equal(iso(c.next(Date.parse('2026-11-24T22:56:00Z'))), '2026-11-24T23:00:00.000Z');
  assert.equal(iso(c.next(Date.parse('2026-11-24T23:00:00Z'))), '2026-11-24T23:07:00.000Z');
});

test('DST day with a 6 s split keeps stepping across the jump', () => {
  const c = new SplitClock(0.1, berlin);
  assert.deepEqual(boundaries(c, '2026-03-29T00:59:55Z', '2026-03-29T01:00:07Z'), [
    '2026-03-29T01:00:00.000Z',
    '2026-03-29T01:00:06.000Z',
  ]);
  assert.deepEqual(boundaries(c, '2026-10-25T00:59:55Z', '2026-10-25T01:00:07Z'), [
    '2026-10-25T01:00:00.000Z',
    '2026-10-25T01:00:06.000Z',
  ]);
});

test('unknown zones are a clear error', () => {
  assert.throws(() => new ZoneClock('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
});
