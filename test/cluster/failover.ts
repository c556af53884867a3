// The failover scenario both capture services are judged by (test/cluster/capture-*-failover.test.ts).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startService, waitFor, type NatsClusterHandle, type ServiceHandle } from '@isr/testkit';
import { openedEvents, sessionsOf, storedChunks } from './cluster-harness.ts';

export interface FailoverRun {
  cluster: NatsClusterHandle;
  dir: string;
  /** Started processes are pushed here (the test's after() kills them). */
  services: ServiceHandle[];
  service: 'capture-alsa' | 'capture-stream';
  source: string;
  /** The source section's lines after [source]. */
  section: string;
  failoverSeconds: number;
}

/** NATS_URL listing node `first` first, so each instance is connected to its own node. */
const urlFrom = (cluster: NatsClusterHandle, first: number) =>
  [...cluster.urls.slice(first), ...cluster.urls.slice(0, first)].join(',');

/**
 * A segmenter and two instances of `service` given the same source, each on its own node of the cluster. The first
 * takes the lease; the second stands by. SIGKILL the first: the second must record within failover_seconds, as
 * a new session; both sessions are contiguous in ISR_AUDIO, the fencing tokens grow, and the segmenter's opened
 * event for the new session names the gap exactly (a's last sample → b's first). Then a third instance stands by
 * and b is stopped with SIGTERM: it releases the lease and c takes over at its next try, again a new session with
 * its gap named. Returns the measured figures.
 */
export async function failover(
  o: FailoverRun,
): Promise<{ summary: string; takeoverMs: number; firstSampleMs: number; gapSeconds: number }> {
  const config = join(o.dir, 'config.ini');
  writeFileSync(
    config,
    `[general]
output_directory = ${join(o.dir, 'rec')}
split_minutes = 0.25
timezone = UTC
stream_replicas = 3
failover_seconds = ${o.failoverSeconds}
idle_close_seconds = 2
reconnect_min_seconds = 0.5
[${o.source}]
${o.section}
`,
  );
  // Each instance as if on a host of its own (ISR_HOST): a SIGKILLed holder's lease lapses by its TTL, as across
  // machines — on one host a standby would take a dead process's lease at once.
  const start = async (name: string, node: number, args: string[] = []) => {
    const s = startService(name, ['--config', config, ...args], {
      NATS_URL: urlFrom(o.cluster, node),
      METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      ISR_HOST: `host-${o.services.length}`,
    });
    o.services.push(s);
    return s;
  };
  const segmenter = await start('segmenter', 2);
  await waitFor(
    `segmenter consuming\n${segmenter.output()}`,
    () => segmenter.output().includes('segmenter consuming'),
    30_000,
  );
  const a = await start(o.service, 0, ['--sources', o.source]);
  await waitFor(`a takes the lease\n${a.output()}`, () => a.output().includes('lease taken: active'), 15_000);
  const b = await start(o.service, 1, ['--sources', o.source]);
  await waitFor(`b connected\n${b.output()}`, () => b.output().includes('connected to NATS'), 15_000);
  await sleep(3000);
  assert.ok(!b.output().includes('lease taken'), 'b stands by while a records');

  await a.stop('SIGKILL');
  const killedAt = Date.now();
  await waitFor(`b takes over\n${b.output()}`, () => b.output().includes('lease taken: active'), 15_000);
  const takeoverMs = Date.now() - killedAt;
  await sleep(2000);

  // Then a graceful hand-over: a new instance stands by, b is stopped with SIGTERM and releases the lease.
  const c = await start(o.service, 0, ['--sources', o.source]);
  await waitFor(`c connected\n${c.output()}`, () => c.output().includes('connected to NATS'), 15_000);
  await sleep(1000);
  assert.ok(!c.output().includes('lease taken'), 'c stands by while b records');
  const termAt = Date.now();
  const stopped = b.stop('SIGTERM');
  await waitFor(`c takes over\n${c.output()}`, () => c.output().includes('lease taken: active'), 15_000, 10);
  const handoverMs = Date.now() - termAt;
  assert.equal(await stopped, 0, 'b exits cleanly');
  await sleep(2000);

  const sessions = sessionsOf(await storedChunks(o.cluster.url, o.source));
  assert.equal(sessions.length, 3, `three sessions: ${JSON.stringify(sessions)}`);
  const [s1, s2, s3] = sessions as [(typeof sessions)[0], (typeof sessions)[0], (typeof sessions)[0]];
  assert.ok(s3.tokens[0]! > s2.tokens[0]!, 'the token grows again');
  const handoverGap = (s3.startMs - s2.endMs) / 1000;
  assert.ok(handoverGap >= 0, `sessions do not overlap: b's last sample ends before c's first (${handoverGap} s)`);
  for (const s of sessions) assert.ok(s.contiguous, `session ${s.session} contiguous: ${s.problems.join('; ')}`);
  // Never two writers: every chunk of a session is in the stream before the first chunk of the next one.
  assert.ok(
    s1.lastStreamSeq < s2.firstStreamSeq && s2.lastStreamSeq < s3.firstStreamSeq,
    'the sessions do not interleave in ISR_AUDIO',
  );
  const firstSampleMs = s2.startMs - killedAt;
  assert.ok(
    firstSampleMs <= o.failoverSeconds * 1000,
    `the standby records ${firstSampleMs} ms after the kill (failover_seconds ${o.failoverSeconds})`,
  );
  assert.equal(s1.tokens.length, 1);
  assert.equal(s2.tokens.length, 1);
  assert.ok(s2.tokens[0]! > s1.tokens[0]!, `fencing tokens grow: ${s1.tokens[0]} then ${s2.tokens[0]}`);

  // The segmenter opens a new file for the new session and names the gap: last sample of a → first of b.
  const opened = await waitFor(
    'the opened event of the new session',
    async () => (await openedEvents(o.cluster.url, o.source)).find((e) => e.session === s2.session),
    15_000,
    250,
  );
  const gap = opened.gaps.find((g) => g.reason === 'new-session');
  assert.ok(gap, `a new-session gap in ${JSON.stringify(opened.gaps)}`);
  assert.ok(
    Math.abs(Date.parse(gap.start!) - s1.endMs) < 1,
    `the gap starts at a's last sample end (${gap.start} vs ${new Date(s1.endMs).toISOString()})`,
  );
  assert.equal(gap.end, new Date(s2.startMs).toISOString(), "the gap ends at b's first sample");
  const gapSeconds = (s2.startMs - s1.endMs) / 1000;
  assert.ok(Math.abs(gap.seconds! - gapSeconds) < 0.002, `gap ${gap.seconds} s = ${gapSeconds} s`);
  const opened3 = await waitFor(
    'the opened event of the third session',
    async () => (await openedEvents(o.cluster.url, o.source)).find((e) => e.session === s3.session),
    15_000,
    250,
  );
  const gap3 = opened3.gaps.find((g) => g.reason === 'new-session');
  assert.ok(
    gap3 && Math.abs(gap3.seconds! - handoverGap) < 0.002,
    `hand-over gap ${gap3?.seconds} s = ${handoverGap} s`,
  );
  return {
    summary:
      `SIGKILL: b holds the lease ${takeoverMs} ms after the kill, b's first sample ${firstSampleMs} ms, gap ${gapSeconds.toFixed(3)} s; ` +
      `SIGTERM hand-over: c holds the lease ${handoverMs} ms after the signal, gap ${handoverGap.toFixed(3)} s; tokens ${s1.tokens[0]} → ${s2.tokens[0]} → ${s3.tokens[0]}`,
    takeoverMs,
    firstSampleMs,
    gapSeconds,
  };
}
