// nats.conf, least privilege: with its own credentials against a real nats-server, the analyzer cannot touch
// ISR_AUDIO beyond its core subscription nor answer the captures' publish-ack inboxes, and the web cannot
// create durable consumers on ISR_EVENTS, take over or delete the analyzer's, or write analysis records.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { analysisKey, Buckets, ConsumerNames, StreamNames, Subjects } from '@isr/contract';
import { bindBus, followStream, provisionBus, type Bus } from '@isr/runtime';
import { AckPolicy } from '@nats-io/jetstream';
import pino from 'pino';
import { assertPublishRefused, pcmHeaders, useSecuredNats } from './nats-conf.ts';

const log = pino({ level: 'silent' });
const nats = useSecuredNats();
const { configFor, connectAs } = nats;

describe('least privilege', () => {
  let seg: Bus;
  let capture: Bus;

  before(async () => {
    seg = await provisionBus(await connectAs('segmenter'), configFor('segmenter'));
    capture = await bindBus(await connectAs('capture-alsa'), { timeoutMs: 5000 });
    await capture.js.publish(Subjects.audio('lp'), new Uint8Array(16), { headers: pcmHeaders('lp', 1), msgID: 'lp-1' });
    await seg.jsm.consumers.add(StreamNames.audio, {
      durable_name: ConsumerNames.segmenter,
      ack_policy: AckPolicy.Explicit,
    });
    await seg.js.publish(Subjects.segmentClosed('lp'), JSON.stringify({ path: 'lp/a.wav' }));
    const an = await bindBus(await connectAs('analyzer'), { timeoutMs: 5000 });
    await an.jsm.consumers.add(StreamNames.events, {
      durable_name: ConsumerNames.analyzer,
      ack_policy: AckPolicy.Explicit,
      filter_subject: Subjects.segmentClosedAll,
    });
  });

  test('analyzer: no consumer, pull, ack or delete on ISR_AUDIO; live audio only by core subscription', async () => {
    const nc = await connectAs('analyzer');
    const audio = StreamNames.audio;
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.CREATE.${audio}`,
      JSON.stringify({ stream_name: audio, config: { ack_policy: 'none' } }),
    );
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.CREATE.${audio}.${ConsumerNames.analyzerLive}`,
      JSON.stringify({ stream_name: audio, config: { name: ConsumerNames.analyzerLive, ack_policy: 'none' } }),
    );
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.DURABLE.CREATE.${audio}.${ConsumerNames.analyzerLive}`,
      JSON.stringify({ stream_name: audio, config: { durable_name: ConsumerNames.analyzerLive, ack_policy: 'none' } }),
    );
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.MSG.NEXT.${audio}.${ConsumerNames.segmenter}`,
      JSON.stringify({ batch: 1, expires: 1e9 }),
    );
    await assertPublishRefused(nc, `$JS.API.CONSUMER.DELETE.${audio}.${ConsumerNames.segmenter}`);
    await assertPublishRefused(nc, `$JS.ACK.${audio}.${ConsumerNames.segmenter}.1.1.1.0.0`);
    const live = nc.subscribe(Subjects.audioAll, { max: 1 });
    await nc.flush();
    await capture.js.publish(Subjects.audio('lp'), new Uint8Array(16), { headers: pcmHeaders('lp', 2), msgID: 'lp-2' });
    for await (const m of live) {
      assert.equal(m.subject, Subjects.audio('lp'), 'the analyzer hears audio as it is published');
      assert.match(m.reply ?? '', /^_INBOX_capture-alsa\./, "a JetStream publish carries the capture's ack inbox");
      // Answering it would forge JetStream's acknowledgement of the capture's chunk.
      await assertPublishRefused(nc, m.reply!, JSON.stringify({ stream: audio, seq: 999 }));
    }
  });

  test('analyzer: still keeps its durable on ISR_EVENTS and answers the web on isr.analyze', async () => {
    const an = await bindBus(await connectAs('analyzer'), { timeoutMs: 5000 });
    const m = await (await an.js.consumers.get(StreamNames.events, ConsumerNames.analyzer)).next({ expires: 3000 });
    assert.equal(m?.subject, Subjects.segmentClosed('lp'));
    m.nak();
    const responder = an.nc.subscribe(Subjects.analyze, {
      callback: (_e, msg) => {
        msg.respond(JSON.stringify({ ok: true }));
      },
    });
    await an.nc.flush();
    const web = await connectAs('web');
    assert.deepEqual(
      (await web.request(Subjects.analyze, JSON.stringify({ path: 'lp/a.wav' }), { timeout: 3000 })).json(),
      { ok: true },
    );
    responder.unsubscribe();
  });

  test("web: no durable on ISR_EVENTS, hands off the analyzer's consumer, no analysis records; follows the stream", async () => {
    const nc = await connectAs('web');
    const events = StreamNames.events;
    const analyzer = ConsumerNames.analyzer;
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.DURABLE.CREATE.${events}.${ConsumerNames.web}`,
      JSON.stringify({ stream_name: events, config: { durable_name: ConsumerNames.web, ack_policy: 'explicit' } }),
    );
    await assertPublishRefused(nc, `$JS.ACK.${events}.oc_1.1.1.1.0.0`);
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.CREATE.${events}.${analyzer}`,
      JSON.stringify({ stream_name: events, config: { name: analyzer, durable_name: analyzer, ack_policy: 'none' } }),
    );
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.CREATE.${events}.${analyzer}.${Subjects.segmentClosedAll}`,
      JSON.stringify({
        stream_name: events,
        config: { name: analyzer, ack_policy: 'none', filter_subject: Subjects.segmentClosedAll },
      }),
    );
    await assertPublishRefused(nc, `$JS.API.CONSUMER.DELETE.${events}.${analyzer}`);
    await assertPublishRefused(
      nc,
      `$JS.API.CONSUMER.MSG.NEXT.${events}.${analyzer}`,
      JSON.stringify({ batch: 1, expires: 1e9 }),
    );
    await assertPublishRefused(nc, `$JS.ACK.${events}.${analyzer}.1.1.1.0.0`);
    await assertPublishRefused(nc, `$KV.${Buckets.analysis}.${analysisKey('lp/a.wav')}`, JSON.stringify({ lufs: 0 }));
    await assertPublishRefused(nc, `$JS.API.STREAM.PURGE.KV_${Buckets.analysis}`);
    const an = await bindBus(await connectAs('analyzer'), { timeoutMs: 5000 });
    assert.equal(
      (await an.jsm.consumers.info(events, analyzer)).config.durable_name,
      analyzer,
      "the analyzer's consumer is intact",
    );

    // What the web does use: an ordered consumer over ISR_EVENTS from the start.
    const web = await bindBus(nc, { timeoutMs: 5000 });
    const subjects: string[] = [];
    let seen!: () => void;
    const got = new Promise<void>((r) => (seen = r));
    const f = followStream({
      js: web.js,
      stream: events,
      log,
      onMessage: (m) => {
        subjects.push(m.subject);
        seen();
      },
    });
    await got;
    await f.stop();
    assert.deepEqual(subjects, [Subjects.segmentClosed('lp')]);
  });
});
