// Two BUILT capture-stream instances given the same Icecast source on a three-node cluster (each connected to a
// different node): one records, the other stands by. SIGKILL the active one: the standby connects and records
// within failover_seconds, as a new session, and the segmenter's opened event names the gap exactly.
import { after, before, test } from 'node:test';
import {
  feedIcecast,
  startIcecast,
  startNatsCluster,
  tempDir,
  type IcecastFeed,
  type IcecastHandle,
  type NatsClusterHandle,
  type ServiceHandle,
} from '@isr/testkit';
import { failover } from './failover.ts';

const FAILOVER = 3;
let cluster: NatsClusterHandle;
let ice: IcecastHandle;
let feed: IcecastFeed;
let dir: { path: string; remove(): Promise<void> };
const services: ServiceHandle[] = [];

before(async () => {
  [cluster, ice, dir] = await Promise.all([startNatsCluster(), startIcecast(), tempDir('isr-stream-failover-')]);
  feed = await feedIcecast({ target: ice.sourceUrl('/radio'), codec: 'mp3' });
});
after(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await feed?.stop();
  await ice?.stop();
  await cluster?.stop();
  await dir?.remove();
});

test('SIGKILL the active capture-stream: the standby records within failover_seconds and the gap is exact; SIGTERM hands over at once', async (t) => {
  const r = await failover({
    cluster,
    dir: dir.path,
    services,
    service: 'capture-stream',
    source: 'radio',
    failoverSeconds: FAILOVER,
    section: `type = stream\nurl = ${ice.url('/radio')}`,
  });
  t.diagnostic(r.summary);
});
