// The segmenter group on a three-node R3 cluster: two BUILT segmenters share one recordings directory and two
// soundcards (the paced counter arecord: one WAV source, one FLAC source). The owner of a source is SIGKILLed
// mid-period and started again (it joins: a rebalance hands sources over), the ISR_AUDIO leader's node is
// SIGKILLed, and an owner is SIGSTOPped until its lease moved, then resumed. Judged as a user would: every
// source's files continue the frame counter without a hole or a repeat, each period is exactly one file, every
// file plays, and no recording was ever open in two segmenters at once (sampled from /proc/<pid>/fd).
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { leaseKey, LeaseRoles, Subjects, type SegmentClosedEvent } from '@isr/contract';
import { Kvm } from '@nats-io/kv';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  counterContinuity,
  ffmpegErrors,
  freePort,
  hang,
  recordingFiles,
  resume,
  segmenterDrained,
  startNatsCluster,
  startService,
  tempDir,
  waitFor,
  writeFakeArecord,
  type NatsClusterHandle,
  type ServiceHandle,
} from '@isr/testkit';
import { eventsOn, streamsCurrent } from './cluster-harness.ts';

const FAILOVER = 3;
const SPLIT_S = 6;
const CARDS = [
  { name: 'wavcard', format: 'wav', ext: 'wav', rate: 16000, channels: 1 },
  { name: 'flaccard', format: 'flac', ext: 'flac', rate: 22050, channels: 2 },
] as const;

let cluster: NatsClusterHandle;
let dir: { path: string; remove(): Promise<void> };
let nc: NatsConnection;
let jsm: JetStreamManager;
let config: string;
const rec = () => join(dir.path, 'rec');
const services: ServiceHandle[] = [];
const segmenters: ServiceHandle[] = [];
let capture: ServiceHandle;
/** Recordings open in two segmenters at the same instant (a paused process's descriptors excepted). */
const doubleOpen: string[] = [];
const paused = new Set<number>();
let sampling = true;
let sampler: Promise<void>;

async function startSegmenter(): Promise<ServiceHandle> {
  // each member as if on a host of its own (ISR_HOST): a SIGKILLed member's leases lapse by their TTL, as across machines
  const s = startService('segmenter', ['--config', config], {
    NATS_URL: cluster.url,
    METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    ISR_HOST: `host-${segmenters.length + 1}`,
  });
  services.push(s);
  segmenters.push(s);
  await waitFor(
    `segmenter consuming\n${s.output().slice(-3000)}`,
    () => s.output().includes('segmenter consuming'),
    30_000,
  );
  return s;
}

/** The pid of the segmenter holding a source's lease (null while nobody does). */
async function ownerPid(source: string): Promise<number | null> {
  const kv = await new Kvm(nc).open('isr_leases');
  const e = await kv.get(leaseKey(LeaseRoles.segmenter, source));
  return e?.operation === 'PUT' ? (e.json<{ pid: number }>().pid ?? null) : null;
}

/** The recordings a process has open now. */
function openRecordings(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith(rec()) && /\.(wav|flac)$/.test(target) ? [target] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

async function sample(): Promise<void> {
  while (sampling) {
    const seen = new Map<string, number>();
    for (const s of segmenters) {
      const pid = s.child.pid!;
      if (s.child.exitCode !== null || s.child.signalCode !== null || paused.has(pid)) continue;
      for (const f of openRecordings(pid)) {
        const other = seen.get(f);
        if (other !== undefined && other !== pid) doubleOpen.push(`${f} open in ${other} and ${pid}`);
        seen.set(f, pid);
      }
    }
    await sleep(50);
  }
}

/** Waits until `ms` into the current split period. */
async function midPeriod(ms = (SPLIT_S * 1000) / 2): Promise<void> {
  const into = Date.now() % (SPLIT_S * 1000);
  await sleep((ms - into + SPLIT_S * 1000) % (SPLIT_S * 1000));
}

before(async () => {
  [cluster, dir] = await Promise.all([startNatsCluster(), tempDir('isr-segmenter-group-')]);
  config = join(dir.path, 'config.ini');
  writeFileSync(
    config,
    `[general]
output_directory = ${rec()}
split_minutes = ${SPLIT_S / 60}
timezone = UTC
stream_replicas = 3
failover_seconds = ${FAILOVER}
idle_close_seconds = 2
arecord_path = ${writeFakeArecord(dir.path)}
${CARDS.map(
  (c) => `
[${c.name}]
type = soundcard
device = hw:${c.name}
sample_rate = ${c.rate}
channels = ${c.channels}
format = ${c.format}
`,
).join('')}`,
  );
  nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  jsm = await jetstreamManager(nc);
  await startSegmenter();
  await startSegmenter();
  sampler = sample();
  capture = startService('capture-alsa', ['--config', config], {
    NATS_URL: cluster.url,
    METRICS_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
  });
  services.push(capture);
  for (const c of CARDS) await waitFor(`${c.name} owned by a segmenter`, () => ownerPid(c.name), 30_000, 100);
  await waitFor(
    'both sources recording',
    () => CARDS.every((c) => recordingFiles(rec(), c.name, c.ext).length > 0),
    30_000,
    200,
  );
});
after(async () => {
  if (process.env.ISR_DEBUG_GROUP)
    for (const s of segmenters) writeFileSync(`${process.env.ISR_DEBUG_GROUP}-${s.child.pid}.log`, s.output());
  sampling = false;
  await sampler;
  for (const pid of paused) resume(pid);
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await nc?.close();
  await cluster?.stop();
  await dir?.remove();
});

test('the owner of a source is SIGKILLed mid-period: another member takes it within failover_seconds and continues the same file', async (t) => {
  await midPeriod();
  const pid = (await ownerPid('wavcard'))!;
  const victim = segmenters.find((s) => s.child.pid === pid)!;
  const killedAt = Date.now();
  await victim.stop('SIGKILL');
  const next = await waitFor(
    'another member holds wavcard',
    async () => {
      const p = await ownerPid('wavcard');
      return p !== null && p !== pid ? p : null;
    },
    FAILOVER * 1000 + 5000,
    50,
  );
  const tookMs = Date.now() - killedAt;
  assert.ok(tookMs < FAILOVER * 1000, `taken over within failover_seconds (${tookMs} ms)`);
  // the killed member comes back: it joins, and the sources that rank to it are handed over to it
  const back = await startSegmenter();
  const rebalances = () => back.logs().filter((l) => l.msg === 'segmenter group: rebalance') as { members: string[] }[];
  await waitFor(
    'the restarted member sees the group: two live members',
    () => rebalances().some((r) => r.members.length === 2),
    15_000,
    100,
  );
  t.diagnostic(
    `wavcard taken by pid ${next} ${tookMs} ms after its owner ${pid} was SIGKILLed; the member restarted and joined`,
  );
});

test('the node leading ISR_AUDIO is SIGKILLed and comes back: the group writes on', async (t) => {
  await sleep(2000);
  const leader = (await jsm.streams.info('ISR_AUDIO')).cluster?.leader;
  const node = cluster.nodes.find((n) => n.name === leader)!;
  assert.ok(node, `the stream leader ${leader} is one of the nodes`);
  await node.kill('SIGKILL');
  await sleep(4000);
  await node.start();
  await waitFor('every stream current again', () => streamsCurrent(jsm), 30_000, 250);
  t.diagnostic(`killed ${node.name}, the ISR_AUDIO leader, for 4 s`);
});

test('an owner SIGSTOPped until its lease moved writes nothing more when it is resumed', async (t) => {
  await midPeriod();
  const pid = (await ownerPid('flaccard'))!;
  const stopped = segmenters.find((s) => s.child.pid === pid)!;
  const logged = stopped.output().length;
  paused.add(pid);
  await hang(pid);
  const stoppedAt = Date.now();
  const next = await waitFor(
    'another member holds flaccard',
    async () => {
      const p = await ownerPid('flaccard');
      return p !== null && p !== pid ? p : null;
    },
    FAILOVER * 1000 + 5000,
    50,
  );
  const movedMs = Date.now() - stoppedAt;
  await sleep(1000);
  resume(pid);
  // It stands down by whichever it notices first: its lease renewal refused (lease moved), a write refused by the
  // fence (the same), or its group poll giving the source to another member (handed over — with the fence off,
  // nothing is committed: handOver only detaches). Usually within 50 ms (printed); allowed 30 s: CI once saw no
  // stand-down within 10 s, cause not known yet — a timeout prints the owner's output since the stop.
  const resumedAt = Date.now();
  const how = await waitFor(
    'the resumed owner stops writing flaccard',
    () =>
      /its lease moved to another segmenter|handed the source over to another segmenter/.exec(
        stopped.output().slice(logged),
      )?.[0],
    30_000,
    50,
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; its output since the stop:\n${stopped.output().slice(logged).slice(-6000)}`);
  });
  const standMs = Date.now() - resumedAt;
  paused.delete(pid);
  const after = stopped.output().slice(logged);
  assert.doesNotMatch(after, /"level":50/, 'no error while it stood down');
  t.diagnostic(
    `flaccard's lease moved to pid ${next} ${movedMs} ms after its owner ${pid} stopped; resumed, it stood down ` +
      `after ${standMs} ms: "${how}"`,
  );
});

test('every source: one contiguous counter across its files, one file per period, every file plays, never open twice', async (t) => {
  await sleep(3000);
  await capture.stop('SIGTERM');
  // chunks handed to a pull on the killed node come back after the consumer's ack_wait (docs/scaling.md)
  await waitFor('the group acknowledged every chunk', () => segmenterDrained(jsm), 90_000, 250);
  await sleep(3000); // idle_close_seconds: the last files close
  for (const s of segmenters)
    if (s.child.exitCode === null && s.child.signalCode === null)
      assert.equal(await s.stop('SIGTERM', 30_000), 0, 'a segmenter exits cleanly');
  sampling = false;
  await sampler;
  assert.deepEqual(doubleOpen.slice(0, 5), [], 'no recording open in two segmenters at once');
  const summary: string[] = [];
  for (const c of CARDS) {
    const files = recordingFiles(rec(), c.name, c.ext);
    assert.equal(
      counterContinuity(files, c.channels),
      null,
      `${c.name}: the counter runs on across its ${files.length} files`,
    );
    for (const f of files) assert.equal(ffmpegErrors(f), '', `${f} plays`);
    const closed = await eventsOn<SegmentClosedEvent>(cluster.url, Subjects.segmentClosed(c.name));
    const periods = closed.map((e) => Math.floor(Date.parse(e.start) / (SPLIT_S * 1000)));
    assert.equal(
      new Set(periods).size,
      periods.length,
      `${c.name}: one file per period:\n${closed.map((e) => `${e.path} ${e.start}…${e.end} ${e.reason}`).join('\n')}`,
    );
    assert.equal(closed.length, files.length, `${c.name}: one closed event per file on disk`);
    summary.push(`${c.name} ${files.length} files`);
  }
  t.diagnostic(`${summary.join(', ')}; no recording open twice in ${segmenters.length} segmenter processes`);
});
