// Segment events survive a moment with no stream to take them (a NATS node restarting, a stream leader being
// elected): the publish is retried with the same Nats-Msg-Id until it lands, once.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJson, streamSpecs, Subjects, type SegmentClosedEvent } from '@isr/contract';
import { ensureStream } from '@isr/runtime';
import { startNatsServer, type NatsServerHandle } from '@isr/testkit';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { SegmentEvents } from '../src/events.ts';

let nats: NatsServerHandle;
let nc: NatsConnection;
before(async () => {
  nats = await startNatsServer();
  nc = await connect({ servers: nats.url });
});
after(async () => {
  await nc?.close();
  await nats?.stop();
});

test('a closed event published while ISR_EVENTS is unavailable is retried until it lands, once', async () => {
  const lines: string[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write: (c: Buffer, _e, cb) => {
        lines.push(c.toString());
        cb();
      },
    }),
  );
  const events = new SegmentEvents(jetstream(nc), log);
  const e = {
    source: 'radio',
    path: 'radio/2026-12-02/2026-12-02_04-00-00+0000.wav',
    frames: 48000,
  } as unknown as SegmentClosedEvent;
  const publishing = events.closed(e);
  await sleep(1200); // no stream yet: every attempt so far had no responder
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, streamSpecs().events);
  await publishing;
  const stored = async () => (await jsm.streams.info(streamSpecs().events.name)).state.messages;
  assert.equal(await stored(), 1, 'the event landed once the stream was there');
  await events.closed(e); // a replay of the same event is deduplicated by its Nats-Msg-Id
  assert.equal(await stored(), 1, 'and is stored once');
  const m = await jsm.streams.getMessage(streamSpecs().events.name, { last_by_subj: Subjects.segmentClosed('radio') });
  assert.equal(parseJson<SegmentClosedEvent>(m!.data, 'closed').path, e.path);
  assert.ok(
    lines.some((l) => /could not publish segment event; retrying/.test(l)),
    'the first failure is logged once, as a warning',
  );
  assert.ok(lines.some((l) => /segment event published after retrying/.test(l)));
});
