import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstream, jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lossyProxy, startNatsServer, waitFor, type NatsServerHandle } from '@isr/testkit';
import { followStream, type Follower } from '@isr/runtime';
import { stallOf, StallReasons } from '../src/follow-stream.ts';
import pino from 'pino';

// followStream against a real nats-server: in order from the start, and on after what a failure took from under it
// (the consumer deleted; a message the consumer delivered into a connection that then broke).
let server: NatsServerHandle;
let nc: NatsConnection;
let jsm: JetStreamManager;
before(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
});
after(async () => {
  await nc?.close();
  await server?.stop();
});

/**
 * A follower of a new stream `<name>` (subjects `<name>.>`) on its own connection, recording the subjects it
 * handled; the whole stream (nats-server 2.9 has no multi-subject filters).
 */
async function follow(url: string, name: string) {
  await jsm.streams.add({ name, subjects: [`${name}.>`] }); // as it is, when the test made it already
  const conn = await connect({ servers: url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  const handled: string[] = [];
  const follower: Follower = followStream({
    js: jetstream(conn),
    stream: name,
    log: pino({ level: process.env.FOLLOW_DEBUG ? 'debug' : 'silent' }),
    onMessage: (m) => void handled.push(m.subject),
    stallMs: 1000,
    checkMs: 100,
  });
  return {
    handled,
    follower,
    async close() {
      await follower.stop();
      await conn.close();
    },
  };
}

const js = () => jetstream(nc);

test('handles the stream from its start, in order, and resolves caughtUp', async () => {
  await jsm.streams.add({ name: 'order', subjects: ['order.>'] });
  for (const n of [1, 2, 3]) await js().publish(`order.${n}`, '');
  const f = await follow(server.url, 'order');
  try {
    await f.follower.caughtUp;
    await js().publish('order.4', '');
    await waitFor('the fourth message handled', () => f.handled.length === 4, 5000);
    assert.deepEqual(f.handled, ['order.1', 'order.2', 'order.3', 'order.4']);
  } finally {
    await f.close();
  }
});

test('goes on after its consumer is deleted from under it', async () => {
  const f = await follow(server.url, 'deleted');
  try {
    await js().publish('deleted.1', '');
    await waitFor('the first message handled', () => f.handled.length === 1, 5000);
    for await (const c of jsm.consumers.list('deleted')) await jsm.consumers.delete('deleted', c.name);
    await js().publish('deleted.2', '');
    await waitFor('the second message handled', () => f.handled.length === 2, 10_000);
    assert.deepEqual(f.handled, ['deleted.1', 'deleted.2']);
  } finally {
    await f.close();
  }
});

test('re-delivers the last message when the connection it was delivered into broke (nothing follows it)', async () => {
  const proxy = await lossyProxy(server.port);
  const f = await follow(proxy.url, 'lost');
  try {
    await js().publish('lost.1', '');
    await waitFor('the first message handled', () => f.handled.length === 1, 5000);
    proxy.hold();
    await js().publish('lost.2', '');
    // The consumer has sent it (its delivered count moved past what the client saw); the client never gets it.
    await waitFor('the server delivered the second message', () => proxy.held().includes('lost.2'), 5000);
    proxy.cut();
    // No later message shows the client a gap in the delivery sequence: only the follower can notice the loss.
    await waitFor('the lost message handled', () => f.handled.length === 2, 10_000).catch(() => undefined);
    assert.deepEqual(f.handled, ['lost.1', 'lost.2']);
  } finally {
    await f.close();
    await proxy.close();
  }
});

test('goes on after a server restart (its in-memory consumer is gone)', async () => {
  const f = await follow(server.url, 'restart');
  try {
    await js().publish('restart.1', '');
    await waitFor('the first message handled', () => f.handled.length === 1, 5000);
    await server.restart();
    await waitFor(
      'the second message published',
      () =>
        js()
          .publish('restart.2', '', { msgID: 'restart-2' }) // a retry of one that landed is dropped
          .then(
            () => true,
            () => false,
          ),
      10_000,
    );
    await waitFor('the second message handled', () => f.handled.length === 2, 10_000);
    assert.deepEqual(f.handled, ['restart.1', 'restart.2']);
  } finally {
    await f.close();
  }
});

test('stallOf: gone, pending, sent more than arrived, or idle', () => {
  const info = (pending: number, delivered: number) =>
    ({ num_pending: pending, delivered: { consumer_seq: delivered, stream_seq: delivered } }) as ConsumerInfo;
  assert.equal(stallOf(null, 0), StallReasons.gone);
  assert.equal(stallOf(info(3, 5), 5), StallReasons.pending);
  assert.equal(stallOf(info(0, 6), 5), StallReasons.lost);
  assert.equal(stallOf(info(0, 5), 5), null);
});
