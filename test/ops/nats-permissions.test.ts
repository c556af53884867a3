// nats.conf: valid for nats-server, and each service's user can do its work and is refused the rest.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Buckets, ConsumerNames, LeaseBucket, leaseKey, LeaseRoles, StreamNames, Subjects } from '@isr/contract';
import { bindBus, provisionBus, putStatusPart, type Bus, type NatsConnection } from '@isr/runtime';
import { AckPolicy, DeliverPolicy, type MsgRequest } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { assertPublishRefused, checkNatsConf, pcmHeaders, useSecuredNats } from './nats-conf.ts';

const nats = useSecuredNats();
const { passwords, configFor, connectAs } = nats;
let analyzerNc: NatsConnection;

async function assertSubscribeRefused(nc: NatsConnection, subject: string): Promise<void> {
  const sub = nc.subscribe(subject);
  const closed = await Promise.race([sub.closed, sleep(3000, 'still open')]);
  assert.match(String(closed), /permissions violation/i, `subscribing to ${subject}`);
}

test('nats-server -t accepts nats.conf when every password is set, and names the missing one otherwise', () => {
  const ok = checkNatsConf(passwords);
  assert.equal(ok.status, 0, ok.output);
  const { ISR_NATS_WEB_PASSWORD: _, ...withoutWeb } = passwords;
  const bad = checkNatsConf(withoutWeb);
  assert.notEqual(bad.status, 0);
  assert.match(bad.output, /ISR_NATS_WEB_PASSWORD/);
});

test('a connection without credentials or with a wrong password is refused', async () => {
  await assert.rejects(connect({ servers: nats.url(), reconnect: false }), /authorization/i);
  await assert.rejects(
    connect({ servers: nats.url(), user: 'web', pass: 'wrong', reconnect: false }),
    /authorization/i,
  );
});

describe('each service user against a server started from nats.conf', () => {
  let seg: Bus;

  test('segmenter provisions every stream and bucket; the others cannot', async () => {
    seg = await provisionBus(await connectAs('segmenter'), configFor('segmenter'));
    assert.equal((await seg.jsm.streams.info(StreamNames.audio)).config.max_age, 5 * 60 * 1e9);
    for (const user of ['capture-stream', 'capture-alsa', 'analyzer', 'web', 'ops'] as const) {
      const nc = await connectAs(user);
      await assert.rejects(provisionBus(nc, configFor(user)), /permissions violation/i, `${user} must not provision`);
    }
  });

  test('capture users publish audio, status and codec pages; nothing else', async () => {
    for (const user of ['capture-stream', 'capture-alsa'] as const) {
      const nc = await connectAs(user);
      const bus = await bindBus(nc, { timeoutMs: 5000 });
      const source = user.replace('-', '_');
      const ack = await bus.js.publish(Subjects.audio(source), new Uint8Array(19200), {
        headers: pcmHeaders(source, 1),
        msgID: `${user}-1`,
      });
      assert.equal(ack.stream, StreamNames.audio);
      await putStatusPart(bus.kv.status, source, {
        capture: {
          service: user,
          state: 'recording',
          message: null,
          session: 's',
          since: null,
          lastChunk: null,
          format: 'pcm',
          codec: 'pcm_s16le',
          sampleRate: 48000,
          channels: 2,
          updated: new Date().toISOString(),
        },
      });
      await bus.kv.codec.put(source, JSON.stringify({ source }));
      await assertPublishRefused(nc, Subjects.segmentClosed(source));
      await assertPublishRefused(nc, Subjects.analysisDone(source));
      await assertPublishRefused(nc, `$KV.${Buckets.analysis}.x`);
      await assertPublishRefused(nc, `$JS.API.STREAM.DELETE.${StreamNames.audio}`);
      await assertPublishRefused(nc, `$JS.API.STREAM.PURGE.${StreamNames.audio}`);
      await assertSubscribeRefused(nc, Subjects.audioAll);
      await assertSubscribeRefused(nc, '_INBOX.>');
      if (user === 'capture-stream') await bus.js.publish(Subjects.metadata(source), JSON.stringify({ title: 't' }));
      else await assertPublishRefused(nc, Subjects.metadata(source));
    }
    const info = await seg.jsm.streams.info(StreamNames.audio);
    assert.equal(info.state.messages, 2);
  });

  test('segmenter consumes audio, acks, publishes segment events (deletions too), purges analyses and writes its status half', async () => {
    await seg.jsm.consumers.add(StreamNames.audio, {
      durable_name: ConsumerNames.segmenter,
      ack_policy: AckPolicy.Explicit,
    });
    const consumer = await seg.js.consumers.get(StreamNames.audio, ConsumerNames.segmenter);
    const m = await consumer.next({ expires: 3000 });
    assert.ok(m, 'segmenter got an audio chunk');
    assert.ok(await m.ackAck());
    // A held source (full disk) is caught up by reading its chunks straight from the stream.
    const stored = await seg.jsm.streams.getMessage(StreamNames.audio, {
      seq: 1,
      next_by_subj: Subjects.audio('capture_stream'),
    } as unknown as MsgRequest);
    assert.ok(stored, 'segmenter reads a chunk back from ISR_AUDIO');
    await seg.js.publish(Subjects.segmentOpened('capture_stream'), JSON.stringify({ path: 'a.wav' }));
    await seg.js.publish(Subjects.segmentClosed('capture_stream'), JSON.stringify({ path: 'capture_stream/a.wav' }));
    await putStatusPart(seg.kv.status, 'capture_stream', {
      recorder: {
        state: 'recording',
        file: 'a.wav',
        bytes: 1,
        frames: 1,
        since: null,
        lastChunk: null,
        message: null,
        updated: new Date().toISOString(),
      },
    });
    const status = await seg.kv.status.get('capture_stream');
    assert.ok(status?.json<{ capture?: unknown; recorder?: unknown }>().capture, 'capture half kept');
    await assertPublishRefused(seg.nc, Subjects.audio('x'));
    // Retention and the disk guard announce a deletion and purge the recording's analysis.
    await seg.js.publish(
      Subjects.segmentDeleted('capture_stream'),
      JSON.stringify({ path: 'capture_stream/a.wav', reason: 'retention' }),
    );
    await seg.kv.analysis.purge('capture_stream.a=2Ewav');
    await assertPublishRefused(seg.nc, `$JS.API.STREAM.DELETE.${StreamNames.audio}`);
    // The segmenter group: per-source consumers, its leases and heartbeats and the listing of members — and not
    // the captures' leases.
    await seg.jsm.consumers.add(StreamNames.audio, {
      durable_name: 'segmenter_capture_stream_7',
      filter_subject: Subjects.audio('capture_stream'),
      ack_policy: AckPolicy.Explicit,
    });
    await seg.jsm.consumers.delete(StreamNames.audio, 'segmenter_capture_stream_7');
    await seg.kv.leases.create(leaseKey(LeaseRoles.segmenter, 'capture_stream'), '{}');
    await seg.kv.leases.put('segmenter-group.member.m1', '{}');
    const members = await seg.jsm.streams.info(`KV_${LeaseBucket}`, {
      subjects_filter: `$KV.${LeaseBucket}.segmenter-group.member.>`,
    });
    assert.deepEqual(Object.keys(members.state.subjects ?? {}), [`$KV.${LeaseBucket}.segmenter-group.member.m1`]);
    assert.equal((await seg.kv.leases.get('segmenter-group.member.m1'))?.operation, 'PUT');
    await assertPublishRefused(seg.nc, `$KV.${LeaseBucket}.${leaseKey(LeaseRoles.capture, 'capture_stream')}`);
  });

  test('analyzer consumes events, hears audio, writes analyses, answers isr.analyze; web reads and asks but writes no audio', async () => {
    analyzerNc = await connectAs('analyzer');
    const an = await bindBus(analyzerNc, { timeoutMs: 5000 });
    const web = await bindBus(await connectAs('web'), { timeoutMs: 5000 });

    await an.jsm.consumers.add(StreamNames.events, {
      durable_name: ConsumerNames.analyzer,
      ack_policy: AckPolicy.Explicit,
      filter_subject: Subjects.segmentClosedAll,
    });
    const closed = await (
      await an.js.consumers.get(StreamNames.events, ConsumerNames.analyzer)
    ).next({ expires: 3000 });
    assert.equal(closed?.subject, Subjects.segmentClosed('capture_stream'));
    closed.ack();
    // Live levels hear ISR_AUDIO's subjects by core subscription; consumers on ISR_AUDIO are refused
    // (nats-least-privilege.test.ts).
    await assert.rejects(
      an.jsm.consumers.add(StreamNames.audio, { durable_name: ConsumerNames.analyzerLive, ack_policy: AckPolicy.None }),
      /permissions violation/i,
    );
    const live = an.nc.subscribe(Subjects.audioAll, { max: 1 });
    await an.nc.flush();
    await (
      await bindBus(await connectAs('capture-alsa'), { timeoutMs: 5000 })
    ).js.publish(Subjects.audio('live'), new Uint8Array(4), { headers: pcmHeaders('live', 1) });
    for await (const m of live)
      assert.equal(m.subject, Subjects.audio('live'), 'analyzer hears audio as it is published');
    await an.kv.analysis.put('capture_stream.a=2Ewav', JSON.stringify({ lufs: -23 }));
    await an.js.publish(Subjects.analysisDone('capture_stream'), JSON.stringify({ path: 'a.wav' }));
    const responder = an.nc.subscribe(Subjects.analyze, {
      callback: (_e, msg) => {
        msg.respond(JSON.stringify({ ok: true }));
      },
    });
    await an.nc.flush();
    await assertPublishRefused(an.nc, Subjects.audio('x'));
    await assertPublishRefused(an.nc, `$KV.${Buckets.status}.x`);

    // web: watch status, read analyses and events, ask for an analysis, hear live levels
    const levels = web.nc.subscribe(Subjects.levelAll, { max: 1 });
    await web.nc.flush();
    an.nc.publish(Subjects.level('capture_stream'), JSON.stringify({ rms: 0 }));
    for await (const m of levels) assert.equal(m.subject, Subjects.level('capture_stream'));
    const watch = await web.kv.status.watch();
    const seen = new Set<string>();
    for await (const e of watch) {
      seen.add(e.key);
      if (seen.size === 2) break;
    }
    watch.stop();
    assert.deepEqual([...seen].sort(), ['capture_alsa', 'capture_stream']);
    assert.equal((await web.kv.analysis.get('capture_stream.a=2Ewav'))?.json<{ lufs: number }>().lufs, -23);
    // The web follows ISR_EVENTS with ordered consumers (no durable, no ack).
    assert.ok(
      await (
        await web.js.consumers.get(StreamNames.events, { deliver_policy: DeliverPolicy.All })
      ).next({ expires: 3000 }),
    );
    const reply = await web.nc.request(Subjects.analyze, JSON.stringify({ path: 'a.wav' }), { timeout: 3000 });
    assert.deepEqual(reply.json(), { ok: true });
    responder.unsubscribe();

    await assertPublishRefused(web.nc, Subjects.audio('x'));
    await assertPublishRefused(web.nc, `$KV.${Buckets.status}.capture_stream`);
    await assertPublishRefused(web.nc, Subjects.segmentClosed('x'));
    await assertPublishRefused(web.nc, `$JS.API.STREAM.DELETE.${StreamNames.audio}`);
    await assertPublishRefused(web.nc, `$JS.API.CONSUMER.MSG.NEXT.${StreamNames.audio}.${ConsumerNames.segmenter}`);
    await assertSubscribeRefused(web.nc, Subjects.audioAll);
    await assertSubscribeRefused(web.nc, '_INBOX_analyzer.>');
  });

  test('web can follow a large isr_status through the watch (flow-control replies are allowed)', async () => {
    const big = 'x'.repeat(100_000);
    for (let i = 0; i < 200; i++) await seg.kv.status.put(`fc${i}`, big);
    const web = await bindBus(await connectAs('web'), { timeoutMs: 5000 });
    const watch = await web.kv.status.watch();
    const seen = new Set<string>();
    const done = (async () => {
      for await (const e of watch) {
        if (e.key.startsWith('fc')) seen.add(e.key);
        if (seen.size === 200) break;
      }
    })();
    const timer = setTimeout(() => watch.stop(), 20_000);
    await done;
    clearTimeout(timer);
    watch.stop();
    assert.equal(seen.size, 200, '20 MB of status values arrive through the watch');
  });

  test('ops (nats-box) inspects streams and subjects read-only', async () => {
    const nc = nats.keep(
      await connect({ servers: nats.url(), user: 'ops', pass: passwords.ISR_NATS_OPS_PASSWORD, reconnect: false }),
    );
    const info = (await nc.request(`$JS.API.STREAM.INFO.${StreamNames.audio}`, '', { timeout: 3000 })).json<{
      config: { name: string };
    }>();
    assert.equal(info.config.name, StreamNames.audio);
    const sub = nc.subscribe('isr.>', { max: 1 });
    await nc.flush();
    analyzerNc.publish(Subjects.level('x'), '{}');
    for await (const m of sub) assert.equal(m.subject, Subjects.level('x'));
    await assertPublishRefused(nc, Subjects.audio('x'));
    await assertPublishRefused(nc, `$JS.API.STREAM.DELETE.${StreamNames.audio}`);
    await assertPublishRefused(nc, `$JS.API.CONSUMER.DELETE.${StreamNames.audio}.${ConsumerNames.segmenter}`);
  });
});
