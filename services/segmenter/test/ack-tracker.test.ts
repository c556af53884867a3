import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsMsg } from '@nats-io/jetstream';
import { AckTracker } from '../src/ack-tracker.ts';

function fakeMsg(name: string, log: string[], seq = 1): JsMsg {
  return {
    seq,
    ack: () => log.push(`ack ${name}`),
    nak: (d?: number) => log.push(`nak ${name} ${d}`),
    term: () => log.push(`term ${name}`),
  } as unknown as JsMsg;
}

test('acknowledges exactly what the durable position covers; older sessions count as covered', () => {
  const log: string[] = [];
  const t = new AckTracker();
  t.add(fakeMsg('old', log, 1), 'A', 1000, 0, 800);
  t.add(fakeMsg('b1', log, 2), 'B', 2000, 0, 800);
  t.add(fakeMsg('b2', log, 3), 'B', 2000, 800, 1600);
  t.ackCovered({ session: 'B', sessionStartMs: 2000, offset: 1000 }); // FLAC: encoded up to 1000
  assert.deepEqual(log, ['ack b1'], 'cumulative: acking b1 acknowledges old too');
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

// The source consumers acknowledge cumulatively (AckPolicy.All): one ack covers every lower sequence, so a
// commit sends a single ack, and never one that would cover a chunk not yet durable.
test('one ack per commit: the highest sequence of the durable run from the lowest pending one', () => {
  const log: string[] = [];
  const t = new AckTracker();
  t.add(fakeMsg('a1', log, 5), 'A', 0, 0, 100);
  t.add(fakeMsg('a2', log, 6), 'A', 0, 100, 200);
  t.add(fakeMsg('a3', log, 7), 'A', 0, 200, 300);
  t.ackCovered({ session: 'A', sessionStartMs: 0, offset: 200 });
  assert.deepEqual(log, ['ack a2']);
  assert.equal(t.count, 1);
  assert.equal(t.lowestSeq, 7);
});

test('a durable chunk above one that is not (a redelivery of an earlier offset) waits: its ack would cover it', () => {
  const log: string[] = [];
  const t = new AckTracker();
  t.add(fakeMsg('new', log, 20), 'A', 0, 300, 400);
  t.add(fakeMsg('dup', log, 21), 'A', 0, 0, 100); // redelivered, already in the file
  t.ackCovered({ session: 'A', sessionStartMs: 0, offset: 300 });
  assert.deepEqual(log, [], 'acking 21 would acknowledge 20, which is not durable yet');
  assert.equal(t.count, 2);
  t.ackCovered({ session: 'A', sessionStartMs: 0, offset: 400 });
  assert.deepEqual(log, ['ack dup']);
  assert.equal(t.count, 0);
});

test('a poison chunk is settled in its turn: terminated when it ends the durable run, else covered by a later ack', () => {
  const log: string[] = [];
  const t = new AckTracker();
  t.add(fakeMsg('a1', log, 1), 'A', 0, 0, 100);
  t.addPoison(fakeMsg('bad', log, 2));
  t.add(fakeMsg('a2', log, 3), 'A', 0, 100, 200);
  t.ackCovered({ session: 'A', sessionStartMs: 0, offset: 100 });
  assert.deepEqual(log, ['term bad'], 'a1 and the poison chunk, not a2');
  t.addPoison(fakeMsg('bad2', log, 4));
  t.add(fakeMsg('a3', log, 5), 'A', 0, 200, 300);
  t.ackCovered({ session: 'A', sessionStartMs: 0, offset: 300 });
  assert.deepEqual(log.slice(1), ['ack a3']);
  assert.equal(t.count, 0);
});
