import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRange } from '../src/range.ts';

test('parses single byte ranges (RFC 9110)', () => {
  assert.deepEqual(parseRange('bytes=0-0', 100), { kind: 'partial', start: 0, end: 0 });
  assert.deepEqual(parseRange('bytes=50-59', 100), { kind: 'partial', start: 50, end: 59 });
  assert.deepEqual(parseRange('bytes=99-99', 100), { kind: 'partial', start: 99, end: 99 });
  assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-1000', 100), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=10-5000', 100), { kind: 'partial', start: 10, end: 99 });
});

test('unsatisfiable ranges', () => {
  assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=200-300', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=99999999999999999999-', 100), { kind: 'unsatisfiable' });
});

test('malformed, multi-range and foreign units are ignored (whole file)', () => {
  for (const h of [
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'bytes=5-1',
    'bytes=0-1,5-6',
    'items=0-1',
    'bytes=a-b',
    'bytes=1.5-2',
    'bytes 0-1',
    '=0-1',
    'bytes=0-1x',
    `bytes=${'1'.repeat(300)}-`,
  ]) {
    assert.deepEqual(parseRange(h, 100), { kind: 'full' }, String(h));
  }
});

test('fuzz: every generated header yields a range inside the file or a clean refusal', () => {
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
  const parts = [
    'bytes',
    'BYTES',
    ' ',
    '=',
    '-',
    ',',
    '0',
    '1',
    '9',
    '99',
    '100',
    '101',
    '-1',
    'x',
    '\t',
    '18446744073709551616',
    '',
  ];
  for (let i = 0; i < 2000; i++) {
    const size = Math.floor(rnd() * 200);
    let h = '';
    const n = 1 + Math.floor(rnd() * 8);
    for (let j = 0; j < n; j++) h += parts[Math.floor(rnd() * parts.length)];
    const r = parseRange(h, size);
    if (r.kind === 'partial') {
      assert.ok(r.start >= 0 && r.end < size && r.start <= r.end, `${h} on ${size}: ${JSON.stringify(r)}`);
    }
  }
});
