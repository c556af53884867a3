// Two BUILT capture-alsa instances given the same tone source on a three-node cluster (each connected to a
// different node): one records, the other stands by. SIGKILL the active one: the standby records within
// failover_seconds, as a new session, and the gap is exact — the segmenter's opened event names it to the sample.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, sleep, startNatsCluster, startService, tempDir, waitFor, type NatsClusterHandle, type ServiceHandle } from '@isr/testkit';
import { openedEvents, sessionsOf, storedChunks } from './cluster-harness.ts';

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

/** NATS_URL listing node `first` first: each instance is connected to its own node. */
const urlFrom = (first: number) => [...cluster.urls.slice(first), ...cluster.urls.slice(0, first)].join(',');

test('SIGKILL the active capture-alsa: the standby records within failover_seconds and the gap is exact', async (t) => {
  const config = join(dir.path, 'config.ini');
  writeFileSync(config, `[general]
output_directory = ${join(dir.path, 'rec')}
split_minutes = 0.25
timezone = UTC
stream_replicas = 3
failover_seconds = ${FAILOVER}
idle_close_seconds = 2
[lineup]
type = tone
tone_silence_seconds = 0
`);
  const start = async (name: string, node: number, sources: string[] = []) => {
    const s = startService(name, ['--config', config, ...sources], { NATS_URL: urlFrom(node), METRICS_PORT: String(await freePort()), LOG_LEVEL: 'info' });
    services.push(s);
    return s;
  };
  const segmenter = await start('segmenter', 2);
  await waitFor(`segmenter consuming\n${segmenter.output()}`, () => segmenter.output().includes('segmenter consuming'), 30_000);
  const a = await start('capture-alsa', 0, ['--sources', 'lineup']);
  await waitFor(`a takes the lease\n${a.output()}`, () => a.output().includes('lease taken: active'), 15_000);
  const b = await start('capture-alsa', 1, ['--sources', 'lineup']);
  await waitFor(`b started\n${b.output()}`, () => b.output().includes('capture-alsa started'), 15_000);
  await sleep(3000);
  assert.ok(!b.output().includes('lease taken'), 'b stands by while a records');

  await a.stop('SIGKILL');
  const killedAt = Date.now();
  await waitFor(`b takes over\n${b.output()}`, () => b.output().includes('lease taken: active'), 15_000);
  const takeoverMs = Date.now() - killedAt;
  await sleep(3000);

  const sessions = sessionsOf(await storedChunks(cluster.url, 'lineup'));
  assert.equal(sessions.length, 2, `two sessions: ${JSON.stringify(sessions)}`);
  const [s1, s2] = sessions as [typeof sessions[0], typeof sessions[0]];
  for (const s of sessions) assert.ok(s.contiguous, `session ${s.session} contiguous: ${s.problems.join('; ')}`);
  assert.ok(s1.endMs <= killedAt + 50, 'a published nothing after it was killed');
  const recordedAfterMs = s2.startMs - killedAt;
  assert.ok(recordedAfterMs <= FAILOVER * 1000, `the standby records ${recordedAfterMs} ms after the kill (failover_seconds ${FAILOVER})`);
  assert.equal(s1.tokens.length, 1);
  assert.equal(s2.tokens.length, 1);
  assert.ok(s2.tokens[0]! > s1.tokens[0]!, `fencing tokens grow: ${s1.tokens[0]} then ${s2.tokens[0]}`);

  // The segmenter opens a new file for the new session and names the gap: last sample of a → first of b.
  const opened = await waitFor('the opened event of the new session', async () => (await openedEvents(cluster.url, 'lineup')).find((e) => e.session === s2.session), 15_000, 250);
  const gap = opened.gaps.find((g) => g.reason === 'new-session');
  assert.ok(gap, `a new-session gap in ${JSON.stringify(opened.gaps)}`);
  assert.equal(Date.parse(gap.start!), Math.floor(s1.endMs), 'the gap starts just after a\'s last sample');
  assert.equal(gap.end, new Date(s2.startMs).toISOString(), 'the gap ends at b\'s first sample');
  const gapSeconds = (s2.startMs - s1.endMs) / 1000;
  assert.ok(Math.abs(gap.seconds! - gapSeconds) < 0.002, `gap ${gap.seconds} s = ${gapSeconds} s`);
  t.diagnostic(`kill → b holds the lease ${takeoverMs} ms; kill → b's first sample ${recordedAfterMs} ms; gap in the recording ${gapSeconds.toFixed(3)} s; tokens ${s1.tokens[0]} → ${s2.tokens[0]}`);
});
