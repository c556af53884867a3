import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '@isr/runtime';

const delays = (b: Backoff, n: number) => Array.from({ length: n }, () => b.next());

test('the delay doubles from the minimum with each failure and stops at the maximum', () => {
  const b = new Backoff(1, 30);
  assert.deepEqual(delays(b, 7), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(b.failures, 7);
  delays(b, 100);
  assert.equal(b.next(), 30000, 'still the maximum after many failures');
  assert.deepEqual(delays(new Backoff(0.2, 0.5), 3), [200, 400, 500]);
  assert.deepEqual(delays(new Backoff(0.25, 5), 7), [250, 500, 1000, 2000, 4000, 5000, 5000], 'fractions of a second');
});

test('a success resets the delay to the minimum', () => {
  const b = new Backoff(0.5, 3);
  assert.deepEqual(delays(b, 5), [500, 1000, 2000, 3000, 3000]);
  b.reset();
  assert.equal(b.failures, 0);
  assert.equal(b.next(), 500);
  assert.equal(b.failures, 1);
});

test('a maximum below the minimum means always the minimum; a negative or missing minimum is refused', () => {
  assert.deepEqual(delays(new Backoff(2, 1), 3), [2000, 2000, 2000]);
  assert.throws(() => new Backoff(-1, 1), RangeError);
  assert.throws(() => new Backoff(Number.NaN, 1), RangeError);
});
