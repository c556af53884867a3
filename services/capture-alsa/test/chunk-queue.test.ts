import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChunkQueue, type SessionCounter } from '../src/chunk-queue.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a chunk handed out by shift() is no longer held by the queue (its audio can be freed at once)', async () => {
  const session: SessionCounter = { id: 's', sessionStartMs: 0, lastSeq: 0 };
  const q = new ChunkQueue(64 << 20);
  const sent = (() => {
    for (let i = 0; i < 3; i++) q.push({ session, offset: i * 4800, frames: 4800, data: Buffer.alloc(1 << 20) });
    return new WeakRef(q.shift()!.data);
  })();
  await tick();
  gc();
  assert.equal(sent.deref(), undefined, 'the acknowledged chunk was collected while the queue still holds the others');
  assert.equal(q.length, 2);
  assert.equal(q.bytes, 2 << 20);
});
