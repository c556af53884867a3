import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Buckets, decodeAudioHeaders, LeaseHeader, StreamNames, Subjects, type AudioChunkMeta } from '@isr/contract';
import type { JetStreamClient, MsgRequest, NextMsgRequest, PubAck } from '@nats-io/jetstream';
import { hang, resume, startNatsServer, waitFor, type NatsServerHandle } from '@isr/testkit';
import {
  connectBus,
  OrderedPublisher,
  parseConfig,
  provisionBus,
  type Bus,
  type OrderedPublisherOptions,
  type UnsentChunkMeta,
} from '@isr/runtime';
import pino from 'pino';

// One publisher for both captures, against a real nats-server: order, an outage (the server hung with SIGSTOP),
// the drop at the bound, Nats-Msg-Id de-duplication of re-sent chunks, the lease fence and close.
let server: NatsServerHandle;
let bus: Bus;

before(async () => {
  server = await startNatsServer();
  const config = parseConfig('[general]\n', { service: 'segmenter', file: 'test.ini', env: { NATS_URL: server.url } });
  bus = await provisionBus(await connectBus(config, 'test', pino({ level: 'silent' })), config);
});
after(async () => {
  if (server) resume(server);
  await bus?.nc.close();
  await server?.stop();
});

const RATE = 8000;
const FRAMES = 800; // 0.1 s

/**
 * Chunk `i` (0.1 s of 8 kHz mono) of `session` (`<source>-<session>`: Nats-Msg-Id is unique in the stream, as the
 * random session ids of the captures are): its samples all hold `i`, so a read-back shows which chunk it is.
 */
function chunk(source: string, sessionName: string, i: number) {
  const session = `${source}-${sessionName}`;
  const meta: UnsentChunkMeta = {
    source,
    format: 'pcm',
    codec: 'pcm_s16le',
    sampleRate: RATE,
    channels: 1,
    session,
    sessionStartMs: 1_000_000,
    offset: i * FRAMES,
    frames: FRAMES,
  };
  return { kind: 'audio' as const, meta, data: Buffer.alloc(FRAMES * 2, i) };
}

/** A logger whose lines the test can read. */
function recordingLog() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) },
  );
  return { log, count: (re: RegExp) => lines.filter((l) => re.test(l.msg)).length };
}

/** The JetStream client with every publish attempt and its PubAck recorded (the real client does the work). */
function observed(js: JetStreamClient) {
  const attempts: string[] = [];
  const acks: PubAck[] = [];
  const client = new Proxy(js, {
    get(target, prop, receiver) {
      if (prop !== 'publish') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<JetStreamClient['publish']>) => {
        attempts.push(args[2]?.msgID ?? '');
        const ack = await target.publish(...args);
        acks.push(ack);
        return ack;
      };
    },
  });
  return { client, attempts, acks };
}

/** A source's chunks as ISR_AUDIO stores them, in stream order. */
async function stored(
  source: string,
): Promise<{ meta: AudioChunkMeta; data: Uint8Array; lease: string | undefined }[]> {
  const out = [];
  for (let seq = 1; ;) {
    const q: NextMsgRequest = { seq, next_by_subj: Subjects.audio(source) };
    const sm = await bus.jsm.streams.getMessage(StreamNames.audio, q as unknown as MsgRequest);
    if (!sm) return out;
    out.push({
      meta: decodeAudioHeaders((n) => sm.header?.get(n) || undefined),
      data: sm.data,
      lease: sm.header?.get(LeaseHeader) || undefined,
    });
    seq = sm.seq + 1;
  }
}

function publisher(o: Partial<OrderedPublisherOptions> & Pick<OrderedPublisherOptions, 'log'>): {
  p: OrderedPublisher;
  published: AudioChunkMeta[];
  dropped: UnsentChunkMeta[];
} {
  const published: AudioChunkMeta[] = [];
  const dropped: UnsentChunkMeta[] = [];
  const p = new OrderedPublisher({
    js: bus.js,
    bufferSeconds: 60,
    ackTimeoutMs: 300,
    retryMs: 50,
    onPublished: (m) => published.push(m),
    onDropped: (d) => dropped.push(...d),
    ...o,
  });
  return { p, published, dropped };
}

test('publishes puts, audio and messages in the order queued; seq counts from 1 per session', async () => {
  const { log } = recordingLog();
  const { p, published } = publisher({ log });
  const seen: string[] = [];
  const sub = bus.nc.subscribe('>', {
    callback: (_err, m) => {
      if (/^(isr\.|\$KV\.)/.test(m.subject)) seen.push(m.subject);
    },
  });
  await bus.nc.flush();
  p.push({ kind: 'put', kv: bus.kv.codec, key: 'order', value: '{"session":"a"}' });
  for (let i = 0; i < 3; i++) p.push(chunk('order', 'a', i));
  p.push({
    kind: 'message',
    subject: Subjects.metadata('order'),
    data: new TextEncoder().encode('{}'),
    msgID: 'order-a-meta-1600',
  });
  for (let i = 0; i < 2; i++) p.push(chunk('order', 'b', i));
  await waitFor('all acknowledged', () => p.length === 0);
  await p.close(1000);
  await bus.nc.flush();
  sub.unsubscribe();

  assert.deepEqual(seen, [
    `$KV.${Buckets.codec}.order`,
    ...Array.from({ length: 3 }, () => Subjects.audio('order')),
    Subjects.metadata('order'),
    Subjects.audio('order'),
    Subjects.audio('order'),
  ]);
  const back = await stored('order');
  assert.deepEqual(
    back.map((c) => [c.meta.session, c.meta.seq, c.meta.offset, c.data[0]]),
    [
      ['order-a', 1, 0, 0],
      ['order-a', 2, 800, 1],
      ['order-a', 3, 1600, 2],
      ['order-b', 1, 0, 0],
      ['order-b', 2, 800, 1],
    ],
  );
  assert.deepEqual(
    published.map((m) => `${m.session}:${m.seq}`),
    ['order-a:1', 'order-a:2', 'order-a:3', 'order-b:1', 'order-b:2'],
  );
  assert.equal(back[0]!.lease, undefined, 'no lease header without a fence');
  assert.equal((await bus.kv.codec.get('order'))?.string(), '{"session":"a"}');
});

test('a NATS outage loses nothing within the budget: the chunk in flight is sent again with its Nats-Msg-Id and stored once', async () => {
  const { log, count } = recordingLog();
  const { client, attempts, acks } = observed(bus.js);
  const { p, published } = publisher({ log, js: client });
  for (let i = 0; i < 3; i++) p.push(chunk('outage', 's', i));
  await waitFor('before the outage', () => published.length === 3);
  await hang(server); // publishes get no PubAck
  try {
    for (let i = 3; i < 15; i++) {
      p.push(chunk('outage', 's', i));
      await sleep(100);
    }
  } finally {
    resume(server);
  }
  await waitFor('the backlog published', () => p.length === 0, 15_000);
  await p.close(1000);

  const back = await stored('outage');
  assert.deepEqual(
    back.map((c) => c.meta.seq),
    Array.from({ length: 15 }, (_, i) => i + 1),
    'every chunk once, in order',
  );
  assert.deepEqual(
    back.map((c) => c.data[0]),
    Array.from({ length: 15 }, (_, i) => i),
  );
  assert.ok(attempts.length > 15, `the chunk in flight was sent again (${attempts.length} attempts for 15 chunks)`);
  const retried = attempts.filter((id, i) => attempts.indexOf(id) !== i);
  assert.ok(retried.length > 0, 'the chunk in flight when NATS hung was sent again with the same Nats-Msg-Id');
  assert.ok(
    acks.some((a) => a.duplicate),
    'JetStream acknowledged a copy as a duplicate and kept the first',
  );
  assert.equal(count(/cannot publish to NATS/), 1);
  assert.equal(count(/NATS acknowledges again/), 1);
  assert.equal(p.bufferedSeconds, 0);
});

test('by default a publish whose PubAck never comes (its stream leader died with it) is sent again after 2 s, not 5', async () => {
  const { log } = recordingLog();
  const { p } = publisher({ log, ackTimeoutMs: undefined, retryMs: undefined });
  // A subscriber that takes the request and never answers: the PubAck is lost, as when the node leading the
  // stream dies after the publish reached it. Meanwhile the stream gets its new leader: here, a stream at all.
  const swallower = bus.nc.subscribe('swallowed.meta');
  await bus.nc.flush();
  const t0 = Date.now();
  p.push({ kind: 'message', subject: 'swallowed.meta', data: new TextEncoder().encode('{}'), msgID: 'swallowed-1' });
  await sleep(300);
  swallower.unsubscribe();
  await bus.jsm.streams.add({ name: 'SWALLOWED', subjects: ['swallowed.>'] });
  await waitFor('the message sent again and acknowledged', () => p.length === 0, 10_000, 20);
  const took = Date.now() - t0;
  assert.ok(took >= 1900 && took < 3500, `acknowledged ${took} ms after it was first sent`);
  assert.equal((await bus.jsm.streams.info('SWALLOWED')).state.messages, 1);
  await p.close(1000);
  await bus.jsm.streams.delete('SWALLOWED');
});

test('beyond the budget the oldest unsent chunks are dropped; seq has no holes and the drop is an offset jump', async () => {
  const { log, count } = recordingLog();
  const { client, attempts } = observed(bus.js);
  const { p, published, dropped } = publisher({ log, js: client, bufferSeconds: 0.35 });
  p.push(chunk('drop', 's', 0));
  await waitFor('first chunk published', () => published.length === 1);
  await hang(server);
  try {
    p.push(chunk('drop', 's', 1));
    await waitFor('chunk 1 in flight', () => attempts.includes('drop-s-2'));
    for (let i = 2; i < 12; i++) p.push(chunk('drop', 's', i));
    assert.ok(p.bufferedSeconds <= 0.35 + 1e-9, `${p.bufferedSeconds} s buffered`);
  } finally {
    resume(server);
  }
  await waitFor('the rest published', () => p.length === 0, 15_000);
  await p.close(1000);

  assert.deepEqual(
    dropped.map((d) => d.offset / FRAMES),
    [2, 3, 4, 5, 6, 7, 8, 9],
    'the oldest unsent, not the one in flight',
  );
  const back = await stored('drop');
  assert.deepEqual(
    back.map((c) => [c.meta.seq, c.meta.offset / FRAMES, c.data[0]]),
    [
      [1, 0, 0],
      [2, 1, 1],
      [3, 10, 10],
      [4, 11, 11],
    ],
  );
  assert.equal(count(/dropping the oldest audio/), 1, 'one error line for the outage, not one per chunk');
});

test('nothing is sent while the lease is not confirmed; every chunk carries the lease token', async () => {
  const { log, count } = recordingLog();
  let held = false;
  const { p, published } = publisher({ log, fence: { valid: () => held, token: 7 } });
  p.push(chunk('fenced', 's', 0));
  p.push(chunk('fenced', 's', 1));
  await sleep(400);
  assert.equal(published.length, 0);
  assert.deepEqual(await stored('fenced'), []);
  held = true;
  await waitFor('published once the lease is confirmed', () => published.length === 2);
  await p.close(1000);
  assert.deepEqual(
    (await stored('fenced')).map((c) => c.lease),
    ['7', '7'],
  );
  assert.deepEqual([count(/lease not confirmed/), count(/lease confirmed: publishing again/)], [1, 1]);
});

test('close waits for the queue at most its timeout, then stops and says what is left', async () => {
  const { log, count } = recordingLog();
  const { p } = publisher({ log, ackTimeoutMs: 5000 });
  await hang(server);
  const t0 = Date.now();
  try {
    p.push(chunk('closing', 's', 0));
    p.push(chunk('closing', 's', 1));
    await p.close(400);
  } finally {
    resume(server);
  }
  const took = Date.now() - t0;
  assert.ok(took >= 350 && took < 1500, `close took ${took} ms`);
  assert.equal(count(/stopping with unpublished audio/), 1);
  p.push(chunk('closing', 's', 2));
  assert.equal(p.length, 2, 'nothing is queued after close');
});
