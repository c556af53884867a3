import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numberedCandidate, renderFilename, ZoneClock } from '@isr/audio';

const berlin = new ZoneClock('Europe/Berlin');

test('the default template renders local time with its offset', () => {
  const t = Date.parse('2026-11-24T05:00:00Z');
  assert.equal(renderFilename('%Y-%m-%d/%Y-%m-%d_%H-%M-%S%z', t, berlin, 'r1'), '2026-11-24/2026-11-24_06-00-00+0100');
});

test('the repeated hour of a fall-back day gets two different names', () => {
  const a = renderFilename('%H-%M%z', Date.parse('2026-10-25T00:00:00Z'), berlin, 'r');
  const b = renderFilename('%H-%M%z', Date.parse('2026-10-25T01:00:00Z'), berlin, 'r');
  assert.equal(a, '02-00+0200');
  assert.equal(b, '02-00+0100');
});

test('%Z, %s, %% and {source}', () => {
  const t = Date.parse('2026-07-01T12:00:00Z');
  assert.equal(renderFilename('{source}_%Z_%s_%%', t, berlin, 'radio1'), `radio1_CEST_${t / 1000}_%`);
  assert.equal(renderFilename('%Z', t, new ZoneClock('UTC'), 'x'), 'UTC');
});

test('numbered candidates never reuse a name', () => {
  assert.equal(numberedCandidate('a/b', 'wav', 0), 'a/b.wav');
  assert.equal(numberedCandidate('a/b', 'wav', 2), 'a/b_2.wav');
});

test('numbered names sort after the plain name and before the next second: name order is time order', () => {
  const utc = new ZoneClock('UTC');
  const tpl = '%Y-%m-%d/%Y-%m-%d_%H-%M-%S%z';
  const at = (iso: string) => renderFilename(tpl, Date.parse(iso), utc, 'r');
  // files in the order they were created: a crash-finished file, its continuations in the same second, the next files
  const created = [
    numberedCandidate(at('2026-11-24T12:00:00Z'), 'flac', 0),
    numberedCandidate(at('2026-11-24T12:00:06Z'), 'flac', 0),
    numberedCandidate(at('2026-11-24T12:00:06.256Z'), 'flac', 1),
    numberedCandidate(at('2026-11-24T12:00:06.512Z'), 'flac', 2),
    numberedCandidate(at('2026-11-24T12:00:07Z'), 'flac', 0),
    numberedCandidate(at('2026-11-24T12:00:12Z'), 'flac', 0),
  ];
  assert.deepEqual([...created].sort(), created);
  assert.deepEqual([...created].reverse().sort(), created);
});
