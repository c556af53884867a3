// A BUILT capture-alsa (tone source) and segmenter on a three-node R3 cluster lose the node they are connected to
// (SIGKILL, back 4 s later), then live through a rolling restart of all three nodes one by one. Judged by what
// ISR_AUDIO holds: one session, seq and offsets contiguous (nothing lost, nothing twice), the last chunk current;
// and by the segmenter: every published frame is in a closed file.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Subjects, type SegmentClosedEvent } from '@isr/contract';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  freePort,
  startNatsCluster,
  startService,
  tempDir,
  waitFor,
  type NatsClusterHandle,
  type ServiceHandle,
  segmenterDrained,
} from '@isr/testkit';
import { eventsOn, sessionsOf, storedChunks, streamsCurrent } from './cluster-harness.ts';

let cluster: NatsClusterHandle;
let dir: { path: string; remove(): Promise<void> };
let nc: NatsConnection;
let jsm: JetStreamManager;
let capture: ServiceHandle;
let segmenter: ServiceHandle;
const services: ServiceHandle[] = [];

before(async () => {
  [cluster, dir] = await Promise.all([startNatsCluster(), tempDir('isr-node-loss-')]);
  const config = join(dir.path, 'config.ini');
  writeFileSync(
    config,
    `[general]
output_directory = ${join(dir.path, 'rec')}
split_minutes = 0.1
timezone = UTC
stream_replicas = 3
[lineup]
type = tone
tone_silence_seconds = 0
`,
  );
  const start = async (name: string) => {
    const s = startService(name, ['--config', config], {
      NATS_URL: cluster.url,
      METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    });
    services.push(s);
    return s;
  };
  segmenter = await start('segmenter');
  await waitFor(
    `segmenter consuming\n${segmenter.output()}`,
    () => segmenter.output().includes('segmenter consuming'),
    30_000,
  );
  capture = await start('capture-alsa');
  await waitFor(`capture recording\n${capture.output()}`, () => capture.output().includes('tone: recording'), 15_000);
  nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  jsm = await jetstreamManager(nc);
});
after(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await nc?.close();
  await cluster?.stop();
  await dir?.remove();
});

/** ISR_AUDIO holds one contiguous session of the tone up to about now. */
async function assertNothingLost(what: string): Promise<string> {
  const asked = Date.now(); // what the stream holds at this instant: reading it all may take a while under load
  const chunks = await storedChunks(cluster.url, 'lineup');
  const sessions = sessionsOf(chunks);
  assert.equal(
    sessions.length,
    1,
    `${what}: one session, got ${sessions.length}: ${JSON.stringify(sessions.map((s) => ({ ...s, problems: s.problems })))}`,
  );
  const s = sessions[0]!;
  assert.ok(s.contiguous, `${what}: seq and offsets contiguous: ${s.problems.join('; ')}`);
  const behind = asked - s.endMs;
  assert.ok(
    behind < 1500,
    `${what}: the last chunk is current (${behind} ms behind)\ncapture:\n${capture.output().slice(-4000)}`,
  );
  return `${s.chunks} chunks, ${((s.endMs - s.startMs) / 1000).toFixed(1)} s of audio in one session`;
}

test('the node the capture and the segmenter are connected to is SIGKILLed and comes back: nothing lost', async (t) => {
  await sleep(2000);
  const node = await waitFor("the capture's node", () => cluster.nodeOf('isr-capture-alsa'), 5000, 100);
  const segNode = await cluster.nodeOf('isr-segmenter');
  const killedAt = Date.now();
  await node.kill('SIGKILL');
  await waitFor(
    `the capture reconnected\n${capture.output().slice(-2000)}`,
    async () => (await cluster.nodeOf('isr-capture-alsa')) !== undefined,
    15_000,
    100,
  );
  const reconnectMs = Date.now() - killedAt;
  await sleep(Math.max(0, 4000 - (Date.now() - killedAt)));
  await node.start();
  await waitFor('every stream current again', () => streamsCurrent(jsm), 30_000, 250);
  await sleep(1000);
  t.diagnostic(
    `killed ${node.name} (capture's node; segmenter on ${segNode?.name}); capture on another node after ${reconnectMs} ms; ${await assertNothingLost('after the node loss')}`,
  );
});

test('a rolling restart of all three nodes, one by one, during capture: nothing lost', async (t) => {
  const took: string[] = [];
  for (const node of cluster.nodes) {
    const t0 = Date.now();
    await node.kill('SIGTERM');
    await sleep(1000);
    await node.start();
    await waitFor(`every stream current after ${node.name}`, () => streamsCurrent(jsm), 30_000, 250);
    took.push(`${node.name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  await sleep(1000);
  t.diagnostic(`restarted ${took.join(', ')}; ${await assertNothingLost('after the rolling restart')}`);
});

test('the segmenter, through all of it, wrote every published frame into closed files', async (t) => {
  await capture.stop();
  const chunks = await storedChunks(cluster.url, 'lineup');
  const published = chunks.reduce((n, c) => n + c.frames, 0);
  // A chunk handed to a pull that a killed node was serving comes back only after the consumer's ack_wait (30 s,
  // docs/scaling.md); under load that, plus catching up, takes longer than ack_wait itself.
  await waitFor('the segmenter to acknowledge every chunk', () => segmenterDrained(jsm), 90_000, 250);
  assert.equal(await segmenter.stop(), 0, 'segmenter exits cleanly');
  const closed = await eventsOn<SegmentClosedEvent>(cluster.url, Subjects.segmentClosed('lineup'));
  const written = closed.reduce((n, e) => n + e.frames, 0);
  const files = closed.length;
  t.diagnostic(`${files} files, ${written} frames written, ${published} published`);
  assert.equal(written, published, 'every published frame is in a closed file, once');
});
