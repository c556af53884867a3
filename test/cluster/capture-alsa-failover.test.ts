// Two BUILT capture-alsa instances given the same tone source on a three-node cluster (each connected to a
// different node): one records, the other stands by. SIGKILL the active one: the standby records within
// failover_seconds, as a new session, and the gap is exact — the segmenter's opened event names it to the sample.
import { after, before, test } from 'node:test';
import { startNatsCluster, tempDir, type NatsClusterHandle, type ServiceHandle } from '@isr/testkit';
import { failover } from './failover.ts';

const FAILOVER = 3;
let cluster: NatsClusterHandle;
let dir: { path: string; remove(): Promise<void> };
const services: ServiceHandle[] = [];

before(async () => {
  [cluster, dir] = await Promise.all([startNatsCluster(), tempDir('isr-alsa-failover-')]);
});
after(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await cluster?.stop();
  await dir?.remove();
});

test('SIGKILL the active capture-alsa: the standby records within failover_seconds and the gap is exact; SIGTERM hands over at once', async (t) => {
  const r = await failover({
    cluster,
    dir: dir.path,
    services,
    service: 'capture-alsa',
    source: 'lineup',
    failoverSeconds: FAILOVER,
    section: 'type = tone\ntone_silence_seconds = 0',
  });
  t.diagnostic(r.summary);
});
