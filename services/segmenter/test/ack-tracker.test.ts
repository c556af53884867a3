import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsMsg } from '@nats-io/jetstream';
import { AckTracker } from '../src/ack-tracker.ts';

function fakeMsg(name: string, log: string[], seq = 1): JsMsg {
  return {
    seq,
    ack: () => log.push(`ack ${name}`),
    nak: (d?: number) => log.push(`nak ${name} ${d}`),
  } as unknown as JsMsg;
}

test('acknowledges exactly what the durable position covers; older sessions count as covered', () => {
  const log: string[] = [];
  const t = new AckTracker();
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

test('after a failure: gives back what is not durable, keeps the rest, and names the lowest sequence to read again from', () => {
  const log: string[] = [];
  const t = new AckTracker();
  t.add(fakeMsg('c1', log, 11), 'S', 0, 0, 100);
  t.add(fakeMsg('c2', log, 14), 'S', 0, 100, 200);
  assert.equal(t.giveBack({ session: 'S', sessionStartMs: 0, offset: 100 }, 2000), 11);
  assert.deepEqual(log, ['nak c2 2000']);
  assert.equal(t.count, 1); // c1 is durable, acked at the next commit
  // Nothing durable yet: everything is given back.
  const u = new AckTracker();
  u.add(fakeMsg('x1', log, 30), 'T', 5, 40, 80);
  assert.equal(u.giveBack({ session: null, sessionStartMs: 0, offset: 0 }, 250), 30);
  assert.equal(log.at(-1), 'nak x1 250');
  assert.equal(u.count, 0);
  assert.equal(u.giveBack({ session: null, sessionStartMs: 0, offset: 0 }, 250), null);
});
