// The consuming services on a three-node R3 cluster while every node in turn is SIGKILLed and brought back:
// two BUILT analyzers share their durable consumer (each file analyzed once, by one of them),
// and the web's ordered consumer over ISR_EVENTS and its KV watches on isr_status and isr_analysis survive:
// it lists every file with its analysis and its live status keeps moving after the last node came back.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { analysisKey, Buckets, Subjects, type SegmentClosedEvent } from '@isr/contract';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
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
import { eventsOn, streamsCurrent } from './cluster-harness.ts';

let cluster: NatsClusterHandle;
let dir: { path: string; remove(): Promise<void> };
let nc: NatsConnection;
let jsm: JetStreamManager;
const services: ServiceHandle[] = [];

before(async () => {
  [cluster, dir] = await Promise.all([startNatsCluster(), tempDir('isr-consumers-')]);
  nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  jsm = await jetstreamManager(nc);
});
after(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await nc?.close();
  await cluster?.stop();
  await dir?.remove();
});

const closedEvents = () => eventsOn<SegmentClosedEvent>(cluster.url, Subjects.segmentClosed('lineup'));

test('two analyzers share the work and the web keeps following while every node in turn is SIGKILLed', async (t) => {
  const webPort = await freePort();
  const config = join(dir.path, 'config.ini');
  writeFileSync(
    config,
    `[general]
output_directory = ${join(dir.path, 'rec')}
split_minutes = 0.05
timezone = UTC
stream_replicas = 3
web_port = ${webPort}
web_host = 127.0.0.1
analyzer_concurrency = 1
[lineup]
type = tone
tone_silence_seconds = 1
tone_period_seconds = 2
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
  const segmenter = await start('segmenter');
  await waitFor(
    `segmenter consuming\n${segmenter.output()}`,
    () => segmenter.output().includes('segmenter consuming'),
    30_000,
  );
  const [a1, a2, web, capture] = [
    await start('analyzer'),
    await start('analyzer'),
    await start('web'),
    await start('capture-alsa'),
  ];
  const api = async <T>(path: string): Promise<T> =>
    (await (await fetch(`http://127.0.0.1:${webPort}${path}`)).json()) as T;
  type Status = { sources: { source: string; state: string; updated: string | null }[] };
  await waitFor(
    `web shows lineup recording\n${web.output().slice(-2000)}`,
    async () => (await api<Status>('/api/status')).sources.find((s) => s.source === 'lineup')?.state === 'recording',
    30_000,
    250,
  );
  await sleep(2000);
  const t0 = Date.now();

  const where: string[] = [];
  for (const node of cluster.nodes) {
    const on = (
      await Promise.all(
        ['isr-web', 'isr-analyzer', 'isr-segmenter', 'isr-capture-alsa'].map(async (n) =>
          (await cluster.nodeOf(n)) === node ? n : '',
        ),
      )
    ).filter(Boolean);
    where.push(`${node.name}: ${on.join(' ') || '—'}`);
    await node.kill('SIGKILL');
    await sleep(2000);
    await node.start();
    await waitFor(`every stream current after ${node.name}`, () => streamsCurrent(jsm), 30_000, 250);
  }
  const backAt = Date.now();
  t.diagnostic(
    `killed in turn (connections before each kill) ${where.join('; ')}; ${((backAt - t0) / 1000).toFixed(1)} s for the three`,
  );

  // The web's KV watch on isr_status still delivers: the live status moves after the last node came back.
  await waitFor(
    'web status updated after the last restart',
    async () => {
      const s = (await api<Status>('/api/status')).sources.find((v) => v.source === 'lineup');
      return s?.updated && Date.parse(s.updated) > backAt;
    },
    15_000,
    250,
  );

  await capture.stop();
  // Chunks the segmenter's consumer leader had handed to a pull on a killed node come back after ack_wait.
  await waitFor('the segmenter to acknowledge every chunk', () => segmenterDrained(jsm), 90_000, 250);
  const segmenterDoneS = (Date.now() - backAt) / 1000;
  await sleep(3000); // idle_close_seconds (2): the last file closes
  const closed = await closedEvents();
  assert.ok(closed.length >= 6, `${closed.length} files closed`);

  // Every file analyzed exactly once, by one of the two analyzers sharing the durable consumer.
  const kv = await new Kvm(nc).open(Buckets.analysis);
  await waitFor(
    'every closed file analyzed',
    async () =>
      (await Promise.all(closed.map((e) => kv.get(analysisKey(e.path))))).every((e) => e?.operation === 'PUT'),
    30_000,
    500,
  );
  const analyzed = (s: ServiceHandle) =>
    s
      .logs()
      .filter((l) => l.msg === 'analyzed')
      .map((l) => String(l.path));
  // How long after its file closed each file was analyzed (the analyzers' pulls recover from a lost node).
  const analyzedAt = new Map(
    [...a1.logs(), ...a2.logs()]
      .filter((l) => l.msg === 'analyzed')
      .map((l) => [String(l.path), Date.parse(String(l.time))]),
  );
  const latency = closed
    .filter((e) => analyzedAt.has(e.path))
    .map((e) => (analyzedAt.get(e.path)! - Date.parse(e.end)) / 1000);
  const worst = Math.max(...latency);
  const [by1, by2] = [analyzed(a1), analyzed(a2)];
  t.diagnostic(
    `${closed.length} files: analyzer 1 analyzed ${by1.length}, analyzer 2 ${by2.length}; analyzed at most ${worst.toFixed(1)} s after the file's end`,
  );
  if (process.env.ISR_DEBUG_CLUSTER) {
    for (const [i, an] of [a1, a2].entries()) {
      const lines = an
        .logs()
        .filter(
          (l) =>
            ['analyzed', 'NATS connection problem', 'NATS reconnected'].includes(String(l.msg)) ||
            Number(l.level) >= 40,
        );
      t.diagnostic(
        `analyzer ${i + 1}: ${lines.map((l) => `${String(l.time).slice(11, 23)} ${String(l.msg)}${l.path ? ' ' + String(l.path).slice(-22) : ''}`).join(' | ')}`,
      );
    }
    t.diagnostic(
      `kills/back: ${new Date(t0).toISOString().slice(11, 23)} … ${new Date(backAt).toISOString().slice(11, 23)}; closed ${closed.map((e) => e.end?.slice(11, 19)).join(' ')}`,
    );
  }
  // A store that timed out while a node died may have landed: the redelivered file is then skipped as already
  // analyzed (no second 'analyzed' line), so a file may have a record and no 'analyzed' line.
  const all = [...by1, ...by2];
  // Delivery is at least once: a file in flight on an analyzer whose node died can reach the other analyzer
  // before the first has stored it (seen in 2 of 6 runs this stop). Analyzing it twice gives the same record,
  // so it is reported, not failed; a file analyzed three times or more would mean redeliveries going round.
  const twice = all.filter((p, i) => all.indexOf(p) !== i);
  if (twice.length) t.diagnostic(`analyzed twice (at-least-once delivery across a node loss): ${twice.join(', ')}`);
  assert.ok(
    all.every((p) => all.filter((q) => q === p).length <= 2),
    `no file analyzed more than twice: ${all.join(', ')}`,
  );
  const paths = new Set(closed.map((e) => e.path));
  assert.ok(
    all.every((p) => paths.has(p)),
    'only closed files are analyzed',
  );
  const stored = (s: ServiceHandle) =>
    s.logs().filter((l) => l.msg === 'could not store the analysis; will retry').length;
  t.diagnostic(
    `${closed.length - all.length} file(s) whose first store was ambiguous (${stored(a1) + stored(a2)} store retries)`,
  );
  // Which replica pulls a file is up to the consumer (splits of 10/1 and 1/11 were seen): sharing is proven by
  // every file analyzed once across the two, not by both having work, which would fail by chance.
  t.diagnostic(`analyzed by the first analyzer: ${by1.length}, by the second: ${by2.length}`);
  // Not asserted, reported: a file whose delivery went to a pull the dead node held waits for the consumer's new
  // leader (~8 s) or for ack_wait (docs/scaling.md, failure table).

  // The web's ordered consumer over ISR_EVENTS followed through every node loss: every file listed, with its analysis.
  type Files = { files: { path: string; analysis: unknown }[] };
  let missing: string[] = [];
  await waitFor(
    'web lists every file with its analysis',
    async () => {
      const listed = new Map((await api<Files>('/api/files?source=lineup&limit=1000')).files.map((f) => [f.path, f]));
      missing = closed
        .filter((e) => !listed.get(e.path)?.analysis)
        .map((e) => `${e.path}${listed.has(e.path) ? ' (no analysis)' : ' (not listed)'}`);
      return missing.length === 0;
      // a stall of its ordered consumer is noticed after 5 s without messages, and re-created on a busy cluster
    },
    30_000,
    500,
  ).catch((err: unknown) => assert.fail(`${String(err)}: ${missing.join(', ')}\n${web.output().slice(-3000)}`));
  t.diagnostic(
    `the segmenter had acknowledged every chunk ${segmenterDoneS.toFixed(1)} s after the last node came back`,
  );
  t.diagnostic(
    `web re-created its stalled ordered consumer ${web.logs().filter((l) => String(l.msg).startsWith('ordered consumer stalled')).length} time(s); ${((Date.now() - t0) / 1000).toFixed(1)} s from the first kill to the end`,
  );
  // An analysis stored whose isr.analysis.done event was never published (the publish failed across a node loss and
  // the redelivery found the record stored), or came late (the web's events consumer behind), reaches the web
  // through its KV watch of isr_analysis 10 s after it was stored.
  const fromKv = web.logs().filter((l) => String(l.msg).startsWith('analysis stored without its isr.analysis.done'));
  if (fromKv.length)
    t.diagnostic(
      `web took ${fromKv.length} analysis(es) from KV, no done event within 10 s: ${fromKv.map((l) => String(l.path).slice(-22)).join(', ')}`,
    );
});
