import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Limiter } from '../src/limiter.ts';

test('runs at most `limit` tasks at once, urgent ones before queued background ones', async () => {
  const l = new Limiter(2);
  const order: string[] = [];
  let running = 0;
  let most = 0;
  const task = (name: string, ms: number) => async () => {
    running++;
    most = Math.max(most, running);
    await sleep(ms);
    order.push(name);
    running--;
  };
  const all = [
    l.run(task('a', 30)),
    l.run(task('b', 30)),
    l.run(task('scan1', 5), 'background'),
    l.run(task('scan2', 5), 'background'),
    l.run(task('event', 5)),
  ];
  assert.equal(l.queued, 3);
  await Promise.all(all);
  assert.equal(most, 2);
  assert.deepEqual(order.slice(2), ['event', 'scan1', 'scan2']);
  assert.equal(l.active, 0);
});

test('a failing task frees its slot', async () => {
  const l = new Limiter(1);
  await assert.rejects(
    l.run(async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(await l.run(async () => 7), 7);
  assert.equal(l.active, 0);
});

test('requested analyses wait behind newly closed files and ahead of the start-up scan', async () => {
  const l = new Limiter(1);
  const order: string[] = [];
  const task = (name: string) => async () => {
    await sleep(5);
    order.push(name);
  };
  const all = [
    l.run(task('first')),
    l.run(task('scan'), 'background'),
    l.run(task('request1'), 'request'),
    l.run(task('closed'), 'urgent'),
    l.run(task('request2'), 'request'),
  ];
  await Promise.all(all);
  assert.deepEqual(order, ['first', 'closed', 'request1', 'request2', 'scan']);
});
