// The segmenter group on a three-node R3 JetStream cluster (loopback): how many real-time WAV sources one and
// two segmenters keep up with, beside the raw R3 publish rate of the same chunks measured in the same run.
//
//   npm run build && node --conditions=development bench/cluster.ts [--quick]
//
// The same synthetic load as bench/segmenter.ts (48 kHz stereo s16le, one 100 ms chunk per source), published to
// the cluster; the segmenters run as their own processes and share one recordings directory. A step "keeps up"
// when the highest isr_segmenter_lag_seconds of the members stays below 2 s and does not grow, and their consumers
// hold no backlog. On two shared cores the second segmenter competes with the nats-servers and the publishers
// for the same CPU: the figure to read is the per-source cost docs/scaling.md extrapolates from.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectBus, createLogger, parseConfig, provisionBus } from '@isr/runtime';
import { freePort, startNatsCluster, startService, waitFor, type ServiceHandle } from '@isr/testkit';
import { CHUNK_MS, metricsOf, rawPublishRate, runPublishers } from './lib/segmenter-load.ts';

const quick = process.argv.includes('--quick');
const STEP_MS = quick ? 6000 : 9000;
const STEPS =
  process.env.ISR_BENCH_STEPS?.split(',').map(Number) ?? (quick ? [25, 75, 150] : [25, 50, 100, 150, 200, 300]);

async function run(segmenters: number): Promise<{ maxSources: number; rawMsgsPerSec: number }> {
  const cluster = await startNatsCluster();
  const dir = mkdtempSync(join(tmpdir(), `isr-bench-cluster-${segmenters}-`));
  const configFile = join(dir, 'config.ini');
  const ini = `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 1\ntimezone = UTC\naudio_retention_minutes = 2\nstream_replicas = 3\nformat = wav\n`;
  writeFileSync(configFile, ini);
  const config = parseConfig(ini, { service: 'segmenter', file: configFile, env: { NATS_URL: cluster.url }, cwd: dir });
  const bus = await provisionBus(
    await connectBus(config, 'bench', createLogger({ service: 'bench', level: 'warn', pretty: false })),
    config,
  );
  const rawMsgsPerSec = await rawPublishRate(bus, 'wav');
  const members: { seg: ServiceHandle; port: number }[] = [];
  for (let i = 0; i < segmenters; i++) {
    const port = await freePort();
    members.push({
      port,
      seg: startService('segmenter', ['--config', configFile], {
        NATS_URL: cluster.url,
        METRICS_PORT: String(port),
        LOG_LEVEL: 'warn',
        ISR_HOST: `bench-${i}`,
      }),
    });
  }
  for (const m of members)
    await waitFor('segmenter metrics', async () => (await metricsOf(m.port)).rss > 0, 30_000, 200);
  await sleep(2000); // the members see each other
  // Only the step's own sources' lag: an earlier step's sources (their publisher stopped) grow lag until idle-closed.
  const group = async (lagOf: string) => {
    const all = await Promise.all(members.map((m) => metricsOf(m.port, lagOf)));
    return { lagMax: Math.max(...all.map((x) => x.lagMax)), pending: all.reduce((a, x) => a + x.pending, 0) };
  };
  let maxSources = 0;
  let total = 0;
  for (const n of STEPS) {
    total += n;
    const owning = total;
    const ready = () =>
      waitFor(
        `the group owns ${owning} sources`,
        async () =>
          (await Promise.all(members.map((m) => metricsOf(m.port)))).reduce((a, x) => a + x.owned, 0) >= owning,
        120_000,
        250,
      ).then(() => undefined);
    const tag = `c${segmenters}s${n}x`;
    const pub = runPublishers(bus, 'wav', n, STEP_MS, tag, ready);
    await ready();
    await sleep(STEP_MS / 2);
    const mid = await group(`wav${tag}`);
    const { behindMs } = await pub;
    const end = await group(`wav${tag}`);
    const keptUp = end.lagMax < 2 && end.lagMax <= mid.lagMax + 1 && end.pending < n * 5;
    console.log(
      `cluster, ${segmenters} segmenter(s), ${String(n).padStart(4)} sources: lag mid ${mid.lagMax.toFixed(2)} s, end ${end.lagMax.toFixed(2)} s, backlog ${end.pending}, publisher behind ${behindMs} ms → ${keptUp ? 'keeps up' : 'FALLS BEHIND'}`,
    );
    if (!keptUp) break;
    maxSources = n;
    if (behindMs > 1000) {
      console.log(`cluster: the publisher itself could not keep ${n} sources at real time; stopping the ramp here`);
      break;
    }
    await sleep(1500);
    rmSync(join(dir, 'rec'), { recursive: true, force: true });
  }
  for (const m of members) await m.seg.stop('SIGTERM', 30_000);
  await bus.nc.drain();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  return { maxSources, rawMsgsPerSec };
}

const one = await run(1);
const two = await run(2);
const raw = Math.max(one.rawMsgsPerSec, two.rawMsgsPerSec) / (1000 / CHUNK_MS);
console.log(
  `\ncluster: max sustained ${one.maxSources} WAV sources with one segmenter, ${two.maxSources} with two (3 nodes, R3); raw R3 publish ${raw.toFixed(0)} real-time sources; ratio one/raw ${(one.maxSources / raw).toFixed(2)}, two/raw ${(two.maxSources / raw).toFixed(2)}, two/one ${(two.maxSources / Math.max(1, one.maxSources)).toFixed(2)}`,
);
