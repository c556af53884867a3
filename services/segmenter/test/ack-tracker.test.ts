import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsMsg } from '@nats-io/jetstream';
import { AckTracker } from '../src/ack-tracker.ts';

function fakeMsg(name: string, log: string[]): JsMsg {
  return { ack: () => log.push(`ack ${name}`), nak: (d?: number) => log.push(`nak ${name} ${d}`) } as unknown as JsMsg;
}

test('acknowledges exactly what the durable position covers; older sessions count as covered', () => {
  const log: string[] = [];
  const t = new AckTracker(() => 0);
  t.add(fakeMsg('old', log), 'A', 1000, 0, 800);
  t.add(fakeMsg('b1', log), 'B', 2000, 0, 800);
  t.add(fakeMsg('b2', log), 'B', 2000, 800, 1600);
  t.ackCovered({ session: 'B', sessionStartMs: 2000, offset: 1000 }); // FLAC: encoded up to 1000
  assert.deepEqual(log, ['ack old', 'ack b1']);
  assert.equal(t.count, 1);
  t.ackCovered({ session: 'B', sessionStartMs: 2000, offset: 1600 });
  assert.deepEqual(log.at(-1), 'ack b2');
  assert.equal(t.count, 0);
});

test('after a failure: gives back what is not durable and holds later chunks until the next one comes again', () => {
  const log: string[] = [];
  let now = 0;
  const t = new AckTracker(() => now);
  t.add(fakeMsg('c1', log), 'S', 0, 0, 100);
  t.add(fakeMsg('c2', log), 'S', 0, 100, 200);
  t.giveBack({ session: 'S', sessionStartMs: 0, offset: 100 });
  assert.deepEqual(log, ['nak c2 1000']);
  assert.equal(t.count, 1); // c1 is durable, acked at the next commit
  assert.equal(t.holdBack(fakeMsg('c3', log), 'S', 0, 200, 300), 'hold');
  assert.equal(log.at(-1), 'nak c3 1000');
  assert.equal(t.holdBack(fakeMsg('dup', log), 'S', 0, 0, 100), 'go', 'an already written chunk passes (it is skipped as a duplicate)');
  assert.equal(t.holdBack(fakeMsg('c2again', log), 'S', 0, 100, 200), 'resumed');
  assert.equal(t.holdBack(fakeMsg('c3again', log), 'S', 0, 200, 300), 'go');
  // A failure before anything was durable waits for the first chunk given back; the wait expires.
  const u = new AckTracker(() => now);
  u.add(fakeMsg('x1', log), 'T', 5, 40, 80);
  u.giveBack({ session: null, sessionStartMs: 0, offset: 0 });
  assert.equal(u.holdBack(fakeMsg('x2', log), 'T', 5, 80, 120), 'hold');
  now = 61_000;
  assert.equal(u.holdBack(fakeMsg('x2', log), 'T', 5, 80, 120), 'expired');
});
