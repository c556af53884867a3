// Segmenter catch-up: N real-time WAV sources record while the segmenter is down (a restart, an upgrade), then it
// starts and writes the backlog. How fast it catches up (chunks/s, against the real-time rate) and its peak RSS
// while doing so: the memory a restart costs is what a container limit must allow.
//
//   npm run build && node --conditions=development bench/segmenter-catchup.ts [--sources=100] [--seconds=30]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectBus, createLogger, parseConfig, provisionBus } from '@isr/runtime';
import { freePort, startNatsServer, startService, waitFor } from '@isr/testkit';
import { CHUNK_MS, metricsOf, runPublishers } from './lib/segmenter-load.ts';

const { values } = parseArgs({ options: { sources: { type: 'string' }, seconds: { type: 'string' } } });
const sources = Number(values.sources ?? 100);
const seconds = Number(values.seconds ?? 30);

const nats = await startNatsServer();
const dir = mkdtempSync(join(tmpdir(), 'isr-bench-catchup-'));
const configFile = join(dir, 'config.ini');
const ini = `[general]\noutput_directory = ${dir}/rec\nsplit_minutes = 1\ntimezone = UTC\naudio_retention_minutes = 10\n`;
writeFileSync(configFile, ini);
const config = parseConfig(ini, { service: 'segmenter', file: configFile, env: { NATS_URL: nats.url }, cwd: dir });
const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
const nc = await connectBus(config, 'bench', log);
const bus = await provisionBus(nc, config);

// The backlog: `seconds` of real-time audio of every source with no segmenter running.
await runPublishers(bus, 'wav', sources, seconds * 1000, 'c');
await sleep(1000);
// What the stream holds (core publishes are not acknowledged one by one): the backlog to write.
const published = (await bus.jsm.streams.info('ISR_AUDIO')).state.messages;
const port = await freePort();
const t0 = performance.now();
const seg = startService('segmenter', ['--config', configFile], {
  NATS_URL: nats.url,
  METRICS_PORT: String(port),
  LOG_LEVEL: 'warn',
});
// A failed run must not leave the segmenter and nats-server running (they would load the next benchmark).
process.once('exit', () => {
  seg.child.kill('SIGKILL');
  nats.process.kill('SIGKILL');
});
let peakRss = 0;
await waitFor('segmenter metrics', async () => (await metricsOf(port).catch(() => null)) !== null, 20_000, 100);
await waitFor(
  'the backlog written',
  async () => {
    const m = await metricsOf(port);
    peakRss = Math.max(peakRss, m.rss);
    return (await written()) >= published;
  },
  Number(process.env.ISR_BENCH_CATCHUP_TIMEOUT_MS ?? 300_000),
  250,
).catch(async (err: unknown) => {
  const metrics = (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n');
  console.log(
    `not caught up: ${await written()} of ${published} chunks written; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB\nduplicates ${metrics.filter((l) => l.startsWith('isr_segmenter_duplicate_chunks_total{')).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0)}; redelivered ${await redelivered()}\n${seg.output().slice(0, 3000)}`,
  );
  throw err;
});
const took = (performance.now() - t0) / 1000;
const filled = (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
  .split('\n')
  .filter((l) => l.startsWith('isr_segmenter_hole_chunks_filled_total{'))
  .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
const cuts = seg
  .output()
  .split('\n')
  .filter((l) => l.includes('"status":"disconnect"')).length;

async function redelivered(): Promise<number> {
  let n = 0;
  for await (const ci of bus.jsm.consumers.list('ISR_AUDIO')) n += ci.num_redelivered;
  return n;
}

/** Chunks written so far (the latency histogram's count). */
async function written(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('isr_segmenter_write_latency_seconds_count'))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

await sleep(500);
await seg.stop('SIGTERM', 60_000);
await nc.drain();
await nats.stop();
rmSync(dir, { recursive: true, force: true });
const realTime = (sources * 1000) / CHUNK_MS;
console.log(
  `\ncatch-up: ${sources} WAV sources × ${seconds} s backlog (${published} chunks) written in ${took.toFixed(1)} s from the segmenter's start = ${(published / took).toFixed(0)} chunks/s (${(published / took / realTime).toFixed(1)} × real time); peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB = ${(peakRss / 2 ** 20 / sources).toFixed(2)} MB per source; ${filled} chunks read from the stream to fill holes (deliveries lost in ${cuts} NATS disconnects)`,
);
