import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Buckets, StreamNames, type SourceStatus } from '@isr/contract';
import { startNatsServer, type NatsServerHandle } from '@isr/testkit';
import { connectBus, parseConfig, provisionBus, putStatusPart } from '@isr/runtime';
import pino from 'pino';

let server: NatsServerHandle;
before(async () => {
  server = await startNatsServer();
});
after(async () => {
  await server.stop();
});

const log = pino({ level: 'silent' });
const cfg = () =>
  parseConfig('[general]\naudio_retention_minutes = 5\n', {
    service: 'segmenter',
    file: 'test.ini',
    env: { NATS_URL: server.url },
  });

test('provisions streams and buckets idempotently, and updates changed retention', async () => {
  const nc = await connectBus(cfg(), 'test', log);
  try {
    await provisionBus(nc, cfg());
    const bus = await provisionBus(nc, cfg());
    const audio = await bus.jsm.streams.info(StreamNames.audio);
    assert.deepEqual(audio.config.subjects, ['isr.audio.*']);
    assert.equal(audio.config.max_age, 5 * 60 * 1e9);
    const changed = parseConfig('[general]\naudio_retention_minutes = 7\n', {
      service: 'segmenter',
      file: 't.ini',
      env: { NATS_URL: server.url },
    });
    await provisionBus(nc, changed);
    assert.equal((await bus.jsm.streams.info(StreamNames.audio)).config.max_age, 7 * 60 * 1e9);
    const events = await bus.jsm.streams.info(StreamNames.events);
    assert.ok(events.config.subjects.includes('isr.segment.closed.*'));
    const names: string[] = [];
    for await (const s of bus.jsm.streams.names()) names.push(s);
    for (const b of Object.values(Buckets)) assert.ok(names.includes(`KV_${b}`), `bucket ${b} exists`);
  } finally {
    await nc.close();
  }
});

test('capture and recorder parts of a status key never overwrite each other', async () => {
  const nc = await connectBus(cfg(), 'test', log);
  try {
    const bus = await provisionBus(nc, cfg());
    const now = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? putStatusPart(
              bus.kv.status,
              'radio1',
              {
                capture: {
                  service: 'capture-stream',
                  state: 'recording',
                  message: null,
                  session: `s${i}`,
                  since: now,
                  lastChunk: now,
                  format: 'mp3',
                  codec: 'mp3',
                  sampleRate: 44100,
                  channels: 2,
                  updated: now,
                },
              },
              50,
            )
          : putStatusPart(
              bus.kv.status,
              'radio1',
              {
                recorder: {
                  state: 'recording',
                  file: `f${i}`,
                  bytes: i,
                  frames: i,
                  since: now,
                  lastChunk: now,
                  message: null,
                  updated: now,
                },
              },
              50,
            ),
      ),
    );
    const v = (await bus.kv.status.get('radio1'))!.json<SourceStatus>();
    assert.equal(v.capture?.service, 'capture-stream');
    assert.equal(v.recorder?.state, 'recording');
  } finally {
    await nc.close();
  }
});
