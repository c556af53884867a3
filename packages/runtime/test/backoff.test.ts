import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from '@isr/runtime';

test('reconnect delay doubles from the minimum and stops at the maximum', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffMs(n, 1, 30)), [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  assert.equal(backoffMs(0, 0.5, 30), 500);
  assert.equal(backoffMs(3, 0.2, 0.5), 500);
});
