import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisError } from '../src/errors.ts';
import { RequestQueue } from '../src/request-queue.ts';

test('identical requests in flight share one job; beyond the bound a new one is refused as ANALYZER_BUSY', async () => {
  const sizes: number[] = [];
  const q = new RequestQueue(2, (n) => sizes.push(n));
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const job = (v: string) => async () => {
    runs++;
    await gate;
    return v;
  };
  const a = q.submit('a', job('A'));
  const a2 = q.submit('a', job('A again'));
  const b = q.submit('b', job('B'));
  assert.deepEqual([a.shared, a2.shared, b.shared], [false, true, false]);
  assert.throws(
    () => q.submit('c', job('C')),
    (err: unknown) =>
      err instanceof AnalysisError && err.code === 'ANALYZER_BUSY' && /analyze_queue_max = 2/.test(err.message),
  );
  release();
  assert.deepEqual(await Promise.all([a.result, a2.result, b.result]), ['A', 'A', 'B']);
  assert.equal(runs, 2);
  assert.equal(q.size, 0);
  assert.equal(await q.submit('c', job('C')).result, 'C', 'room again once the others are answered');
  assert.deepEqual(sizes.slice(0, 4), [1, 2, 1, 0]);
});

test('a failed job frees its place and rejects every sharer', async () => {
  const q = new RequestQueue(1);
  const one = q.submit('x', async () => {
    throw new Error('boom');
  });
  const two = q.submit('x', async () => 'never');
  await assert.rejects(one.result, /boom/);
  await assert.rejects(two.result, /boom/);
  assert.equal(q.size, 0);
});
