// stream_replicas on a real three-node JetStream cluster: creation at R3, and an existing R1 stream scaled up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Buckets, LeaseBucket, StreamNames } from '@isr/contract';
import { connectBus, parseConfig, provisionBus, ReplicasError } from '@isr/runtime';
import { startNatsCluster, startNatsServer, waitFor, type NatsClusterHandle } from '@isr/testkit';
import pino from 'pino';

const log = pino({ level: 'silent' });
let cluster: NatsClusterHandle;
before(async () => {
  cluster = await startNatsCluster();
});
after(async () => {
  await cluster?.stop();
});

const cfg = (url: string, replicas: number) =>
  parseConfig(`[general]\nstream_replicas = ${replicas}\naudio_retention_minutes = 5\n`, {
    service: 'segmenter',
    file: 'test.ini',
    env: { NATS_URL: url },
  });
const allStreams = [
  StreamNames.audio,
  StreamNames.events,
  ...[...Object.values(Buckets), LeaseBucket].map((b) => `KV_${b}`),
];

test('stream_replicas = 3 creates every stream and bucket with three replicas on the cluster', async () => {
  const config = cfg(cluster.url, 3);
  const nc = await connectBus(config, 'test', log);
  try {
    const bus = await provisionBus(nc, config);
    for (const name of allStreams) {
      const si = await bus.jsm.streams.info(name);
      assert.equal(si.config.num_replicas, 3, `${name} replicas`);
      assert.equal(si.cluster?.replicas?.length, 2, `${name} has two followers`);
    }
    // idempotent: a second provisioning changes nothing and does not fail
    await provisionBus(nc, config);
  } finally {
    await nc.close();
  }
});

test('an existing R1 stream and bucket are scaled to 3 replicas by the next provisioning', async () => {
  const r1 = cfg(cluster.urls[0]!, 1);
  const nc = await connectBus(r1, 'test', log);
  try {
    const bus = await provisionBus(nc, r1); // the previous test's R3 streams are scaled down to 1 first
    for (const name of allStreams)
      assert.equal((await bus.jsm.streams.info(name)).config.num_replicas, 1, `${name} back to R1`);
    await bus.js.publish('isr.audio.up', new Uint8Array(8));
    await provisionBus(nc, cfg(cluster.url, 3));
    for (const name of allStreams) {
      await waitFor(
        `${name} to have 3 current replicas`,
        async () => {
          const si = await bus.jsm.streams.info(name);
          return (
            si.config.num_replicas === 3 &&
            si.cluster?.replicas?.length === 2 &&
            si.cluster.replicas.every((r) => r.current)
          );
        },
        20_000,
        200,
      );
    }
    assert.equal(
      (await bus.jsm.streams.info(StreamNames.audio)).state.messages,
      1,
      'the message survived the scale-up',
    );
  } finally {
    await nc.close();
  }
});

test('more replicas than the cluster has nodes: the update is refused with a message that says what to do', async () => {
  const nc = await connectBus(cfg(cluster.url, 3), 'test', log);
  try {
    await provisionBus(nc, cfg(cluster.url, 3));
    await assert.rejects(provisionBus(nc, cfg(cluster.url, 5)), (err: unknown) => {
      assert.ok(err instanceof ReplicasError, String(err));
      assert.match(
        err.message,
        /^stream ISR_AUDIO has 3 replica\(s\) and the server refused to change that to 5 \(stream_replicas\)/,
      );
      assert.match(err.message, /needs a JetStream cluster with at least that many nodes/);
      return true;
    });
  } finally {
    await nc.close();
  }
});

test('a single server keeps one replica and the provisioner says so clearly', async () => {
  const single = await startNatsServer();
  const lines: string[] = [];
  const captured = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  try {
    const nc = await connectBus(cfg(single.url, 1), 'test', log);
    try {
      await provisionBus(nc, cfg(single.url, 1));
      const bus = await provisionBus(nc, cfg(single.url, 3), captured);
      assert.equal(
        (await bus.jsm.streams.info(StreamNames.audio)).cluster?.replicas,
        undefined,
        'no follower anywhere',
      );
      const warned = lines.map((l) => JSON.parse(l) as { msg: string; stream: string });
      assert.deepEqual(warned.map((w) => w.stream).sort(), [...allStreams].sort(), 'one warning per stream and bucket');
      assert.match(
        warned[0]!.msg,
        /the server keeps 1 replica\(s\), not the 3 stream_replicas asks for — it runs without a JetStream cluster/,
      );
    } finally {
      await nc.close();
    }
  } finally {
    await single.stop();
  }
});
