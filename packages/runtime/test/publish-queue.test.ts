import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KV } from '@nats-io/kv';
import { PublishQueue, type PublishItem, type QueuedAudio } from '../src/publish-queue.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A 0.1 s PCM chunk (8 kHz mono) of session `s` at `offset`. */
const chunk = (offset: number, bytes = 1600): PublishItem => ({
  kind: 'audio',
  meta: {
    source: 'q',
    format: 'pcm',
    codec: 'pcm_s16le',
    sampleRate: 8000,
    channels: 1,
    session: 's',
    sessionStartMs: 0,
    offset,
    frames: 800,
  },
  data: Buffer.alloc(bytes),
});
const offsets = (items: QueuedAudio[]) => items.map((d) => d.meta.offset);

test('beyond its budget the queue drops the oldest unsent audio, never the chunk in flight', () => {
  const q = new PublishQueue(0.3);
  assert.deepEqual(q.push(chunk(0)), []);
  (q.peek() as QueuedAudio).seq = 1; // in flight
  q.push(chunk(800));
  q.push(chunk(1600));
  assert.deepEqual(offsets(q.push(chunk(2400))), [800]);
  assert.equal(q.length, 3);
  assert.ok(Math.abs(q.seconds - 0.3) < 1e-9);
  assert.deepEqual(
    [q.shift(), q.shift(), q.shift()].map((c) => (c as QueuedAudio).meta.offset),
    [0, 1600, 2400],
  );
  assert.equal(q.shift(), undefined);
  assert.equal(q.seconds, 0);
});

test('a head that was never sent is dropped like any other unsent chunk', () => {
  const q = new PublishQueue(0.2);
  q.push(chunk(0));
  q.push(chunk(800));
  assert.deepEqual(offsets(q.push(chunk(1600))), [0]);
  assert.equal((q.peek() as QueuedAudio).meta.offset, 800);
});

test('messages and KV puts are never dropped: the audio after them may need them', () => {
  const q = new PublishQueue(0.1);
  const put: PublishItem = { kind: 'put', kv: {} as KV, key: 'q', value: '{}' };
  const message: PublishItem = { kind: 'message', subject: 'isr.metadata.q', data: new Uint8Array(1), msgID: 'm' };
  q.push(put);
  q.push(chunk(0));
  q.push(message);
  assert.deepEqual(offsets(q.push(chunk(800))), [0]);
  assert.deepEqual([q.shift()!.kind, q.shift()!.kind, q.shift()!.kind], ['put', 'message', 'audio']);
});

test('a zero budget still keeps the newest chunk', () => {
  const q = new PublishQueue(0);
  assert.deepEqual(q.push(chunk(0)), []);
  assert.deepEqual(offsets(q.push(chunk(800))), [0]);
  assert.equal((q.peek() as QueuedAudio).meta.offset, 800);
});

test('a chunk handed out by shift() is no longer held by the queue (its audio can be freed at once)', async () => {
  const q = new PublishQueue(64);
  const sent = (() => {
    for (let i = 0; i < 3; i++) q.push(chunk(i * 800, 1 << 20));
    return new WeakRef((q.shift() as QueuedAudio).data);
  })();
  await tick();
  gc();
  assert.equal(sent.deref(), undefined, 'the acknowledged chunk was collected while the queue still holds the others');
  assert.equal(q.length, 2);
  assert.ok(Math.abs(q.seconds - 0.2) < 1e-9);
});
