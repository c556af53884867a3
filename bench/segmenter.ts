// Segmenter throughput: how many real-time sources one segmenter process keeps up with, for WAV, FLAC
// (level 5) and MP3-sized compressed chunks, beside the raw JetStream publish rate measured in the same run.
//
//   npm run build && node --conditions=development bench/segmenter.ts [--quick]
//
// Synthetic publishers (this process) send one chunk per source every 100 ms with the real headers
// (48 kHz stereo s16le PCM = 19,200 bytes; ~128 kbps MP3 = 4 units of ~400 bytes). The segmenter runs as its
// own process (services/segmenter/dist/main.js). At each step the number of sources is raised; a step
// "keeps up" when the segmenter's isr_segmenter_lag_seconds stays below 2 s and does not grow, and the
// consumer has no backlog. Peak RSS per active source = (RSS at the step − RSS idle) / sources. Each step also
// prints capture→disk p99 (isr_segmenter_write_latency_seconds over its second half) and the CPU the segmenter
// and nats-server spent per chunk written (from /proc), which say where a ceiling comes from.
// ISR_BENCH_STEPS=N[,M] replaces the ramp; ISR_BENCH_CHUNK_MS=200 publishes longer PCM chunks (a capture's chunk_ms).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectBus, createLogger, parseConfig, provisionBus } from '@isr/runtime';
import { freePort, startNatsServer, startService, waitFor } from '@isr/testkit';
import {
  CHUNK_MS,
  cpuSecondsOf,
  latencyQuantile,
  metricsOf,
  rawPublishRate,
  runPublishers,
  type Mode,
} from './lib/segmenter-load.ts';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const extraIni = process.env.ISR_BENCH_INI ?? '';
const STEP_MS = quick ? 6000 : 9000;

async function benchMode(
  mode: Mode,
  steps: number[],
): Promise<{
  maxSources: number;
  rawMsgsPerSec: number;
  rssPerSourceMb: number;
  p99AtMax: number | null;
  rows: string[];
}> {
  const nats = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), `isr-bench-seg-${mode}-`));
  const configFile = join(dir, 'config.ini');
  // No [source] sections needed: sources the config does not name use [general] (format/flac_compression inherited).
  const ini = `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 1\ntimezone = UTC\naudio_retention_minutes = 2\nformat = ${mode === 'flac' ? 'flac' : 'wav'}\nflac_compression = 5\n${extraIni.replaceAll(';', '\n')}\n`;
  writeFileSync(configFile, ini);
  const config = parseConfig(ini, { service: 'segmenter', file: configFile, env: { NATS_URL: nats.url }, cwd: dir });
  const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
  const nc = await connectBus(config, 'bench', log);
  const bus = await provisionBus(nc, config);
  const rawMsgsPerSec = await rawPublishRate(bus, mode);
  const port = await freePort();
  const seg = startService('segmenter', ['--config', configFile], {
    NATS_URL: nats.url,
    METRICS_PORT: String(port),
    LOG_LEVEL: 'warn',
    NODE_OPTIONS: process.env.ISR_BENCH_NODE_OPTIONS ?? '',
  });
  // A failed run must not leave the segmenter and nats-server running (they would load the next benchmark).
  const orphans = () => {
    seg.child.kill('SIGKILL');
    nats.process.kill('SIGKILL');
  };
  process.once('exit', orphans);
  await waitFor('segmenter metrics', async () => (await metricsOf(port)).rss > 0, 20_000, 200);
  await sleep(1000);
  const idleRss = (await metricsOf(port)).rss;
  const rows: string[] = [];
  let maxSources = 0;
  let rssPerSourceMb = 0;
  let p99AtMax: number | null = null;
  let total = 0;
  for (const n of steps) {
    const tag = `s${n}x`;
    total += n;
    const owning = total;
    const ready = () =>
      waitFor(
        `the segmenter owns ${owning} sources`,
        async () => (await metricsOf(port)).owned >= owning,
        120_000,
        250,
      ).then(() => undefined);
    const pub = runPublishers(bus, mode, n, STEP_MS, tag, ready);
    await ready();
    // CPU from a second in: the sources' first chunks waited for their new consumers.
    await sleep(1000);
    const begin = await metricsOf(port, `${mode}${tag}`);
    const cpu0 = { seg: cpuSecondsOf(seg.child.pid!), nats: cpuSecondsOf(nats.process.pid!) };
    await sleep(STEP_MS / 2 - 1000);
    const mid = await metricsOf(port, `${mode}${tag}`);
    const { behindMs, published } = await pub;
    const end = await metricsOf(port, `${mode}${tag}`);
    // Per chunk written in the window (the latency histogram's count), µs of CPU.
    const written = (end.latency.at(-1)?.[1] ?? 0) - (begin.latency.at(-1)?.[1] ?? 0);
    const perChunk = (pid: number, before: number) => (((cpuSecondsOf(pid) - before) * 1e6) / written).toFixed(0);
    // The steady half of the step: a step's first chunks open new files (a new session) behind new consumers.
    const p99 = latencyQuantile(mid, end, 0.99);
    const keptUp = end.lagMax < 2 && end.lagMax <= mid.lagMax + 1 && end.pending < n * 5;
    const perSource = (end.rss - idleRss) / n / 2 ** 20;
    rows.push(
      `${mode.padEnd(4)} ${String(n).padStart(4)} sources: lag mid ${mid.lagMax.toFixed(2)} s, end ${end.lagMax.toFixed(2)} s, backlog ${end.pending}, RSS ${(end.rss / 2 ** 20).toFixed(0)} MB (${perSource.toFixed(2)} MB/source), publisher behind ${behindMs} ms, ${published} chunks, capture→disk p99 ${p99 === null ? '—' : `${(p99 * 1000).toFixed(0)} ms`}, CPU per chunk segmenter ${perChunk(seg.child.pid!, cpu0.seg)} µs + nats-server ${perChunk(nats.process.pid!, cpu0.nats)} µs → ${keptUp ? 'keeps up' : 'FALLS BEHIND'}`,
    );
    console.log(rows.at(-1));
    if (behindMs > 1000) {
      rows.push(`${mode}: the publisher itself could not keep ${n} sources at real time; stopping the ramp here`);
      console.log(rows.at(-1));
      if (keptUp) {
        maxSources = n;
        rssPerSourceMb = Math.max(rssPerSourceMb, perSource);
        p99AtMax = p99;
      }
      break;
    }
    if (!keptUp) break;
    maxSources = n;
    rssPerSourceMb = Math.max(rssPerSourceMb, perSource);
    p99AtMax = p99;
    // Let the segmenter drain and remove the step's files so the next step starts clean.
    await sleep(1500);
    rmSync(join(dir, 'rec'), { recursive: true, force: true, maxRetries: 5 });
  }
  await seg.stop('SIGTERM', 30_000);
  process.off('exit', orphans);
  await nc.drain();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
  return { maxSources, rawMsgsPerSec, rssPerSourceMb, p99AtMax, rows };
}

const plan: Record<Mode, number[]> = quick
  ? { wav: [50, 150, 300], flac: [40, 120], mp3: [100, 300] }
  : { wav: [50, 150, 300, 450, 600], flac: [40, 80, 120, 180, 240], mp3: [150, 300, 600, 1000] };
if (process.env.ISR_BENCH_STEPS)
  for (const m of Object.keys(plan) as Mode[]) plan[m] = process.env.ISR_BENCH_STEPS.split(',').map(Number);
// Issue 14's goals: WAV ≥ 0.5 × the raw publish figure, FLAC ≥ 300 sources, < 2 MB per source, p99 < 250 ms.
const goals: Record<Mode, string> = { wav: '≥ 0.5 × raw', flac: '≥ 300', mp3: '≥ 300' };
const summary: string[] = [];
for (const mode of (['wav', 'flac', 'mp3'] as Mode[]).filter((m) => !only || only.split(',').includes(m))) {
  const r = await benchMode(mode, plan[mode]);
  const chunkSources = r.rawMsgsPerSec / (1000 / CHUNK_MS);
  summary.push(
    `${mode.padEnd(4)}: max sustained ${r.maxSources} sources (goal ${goals[mode]}); raw JetStream publish ${r.rawMsgsPerSec.toFixed(0)} chunks/s = ${chunkSources.toFixed(0)} real-time sources; ratio segmenter/raw ${(r.maxSources / chunkSources).toFixed(2)}; peak RSS ${r.rssPerSourceMb.toFixed(2)} MB per source (goal < 2); capture→disk p99 ${r.p99AtMax === null ? '—' : `${(r.p99AtMax * 1000).toFixed(0)} ms`} at ${r.maxSources} sources (goal < 250)`,
  );
}
console.log('\n' + summary.join('\n'));
