// SourceFeed.audioWaiting decides whether a quiet source's file may be closed for idleness. Chunks the consumer
// handed to a pull that never reached this feed (a pull routed through a NATS node that then died) are neither
// pending nor ours: they come back only after ack_wait, and the period must stay one file meanwhile. Chunks this
// feed took and the writer has not acknowledged yet (it acks at the next commit) must not count, or the last
// file of a source that really stopped would never close.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Subjects } from '@isr/contract';
import { createLogger } from '@isr/runtime';
import { waitFor } from '@isr/testkit';
import type { JsMsg } from '@nats-io/jetstream';
import { createSourceConsumer } from '../src/consumer.ts';
import { SourceFeed } from '../src/source-feed.ts';
import { setup, type Harness } from './harness.ts';

let h: Harness;
before(async () => {
  h = await setup((dir) => `[general]\noutput_directory = ${dir}/rec\n`);
});
after(async () => h.cleanup());

const log = createLogger({ service: 'source-feed-test', level: 'silent', pretty: false });

async function publish(source: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await h.bus.js.publish(Subjects.audio(source), new Uint8Array([i]));
}

function feedOf(source: string, consumer: string, taken: JsMsg[]): SourceFeed {
  return new SourceFeed({
    js: h.bus.js,
    jsm: h.bus.jsm,
    source,
    consumer,
    log,
    dispatch: (m) => void taken.push(m),
    holding: () => true,
    resumeSeq: () => null,
    onFatal: (err) => assert.fail(String(err)),
    now: () => Date.now(),
  });
}

test('chunks this feed took but has not acknowledged yet are not audio waiting', async () => {
  await createSourceConsumer(h.bus.jsm, 'own', 'seg_own', null, [], log);
  const taken: JsMsg[] = [];
  const feed = feedOf('own', 'seg_own', taken);
  await feed.start();
  await publish('own', 3);
  await waitFor('the feed took the three chunks', () => taken.length === 3, 10_000, 20);
  assert.equal(await feed.audioWaiting(), false, 'nothing more is on its way: the file may close');
  // Other sources go on: the consumer passes over their chunks (its delivered stream sequence moves past them).
  await publish('other', 5);
  await sleep(200);
  assert.equal(await feed.audioWaiting(), false, 'other sources’ chunks are not this source’s audio');
  for (const m of taken) m.ack();
  await feed.close();
});

test('chunks handed to another pull of the consumer (a dead node) are audio waiting', async () => {
  await createSourceConsumer(h.bus.jsm, 'lost', 'seg_lost', null, [], log);
  const taken: JsMsg[] = [];
  const feed = feedOf('lost', 'seg_lost', taken);
  await feed.start();
  await publish('lost', 2);
  await waitFor('the feed took the first two chunks', () => taken.length === 2, 10_000, 20);
  await feed.close();
  // The next chunks go to a pull whose answer never arrives here: delivered, unacknowledged, not pending.
  await publish('lost', 3);
  const elsewhere = await (await h.bus.js.consumers.get('ISR_AUDIO', 'seg_lost')).fetch({ max_messages: 3 });
  let lost = 0;
  for await (const _ of elsewhere) if (++lost === 3) break;
  const ci = await h.bus.jsm.consumers.info('ISR_AUDIO', 'seg_lost');
  assert.equal(ci.num_pending, 0, 'nothing undelivered in the stream');
  assert.equal(ci.num_ack_pending, 5, 'the feed’s two and the lost three wait for an ack');
  assert.equal(await feed.audioWaiting(), true, 'the lost chunks come again after ack_wait: not idle');
});

test('a consumer made further on in the stream (a new owner) with nothing to deliver is not audio waiting', async () => {
  await publish('taken', 2);
  await publish('another', 3);
  const last = (await h.bus.jsm.streams.info('ISR_AUDIO')).state.last_seq;
  // The predecessor acknowledged everything of the source: its successor starts past the end of the stream.
  await createSourceConsumer(h.bus.jsm, 'taken', 'seg_taken', last + 1, [], log);
  const feed = feedOf('taken', 'seg_taken', []);
  await feed.start();
  const ci = await h.bus.jsm.consumers.info('ISR_AUDIO', 'seg_taken');
  assert.equal(ci.delivered.stream_seq, last, 'its delivered stream sequence starts where it starts');
  assert.equal(await feed.audioWaiting(), false, 'yet nothing of the source is on its way: its file may close');
  await feed.close();
});
