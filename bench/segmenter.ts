// Segmenter throughput: how many real-time sources one segmenter process keeps up with, for WAV, FLAC
// (level 5) and MP3-sized compressed chunks, beside the raw JetStream publish rate measured in the same run.
//
//   npm run build && node --conditions=development bench/segmenter.ts [--quick]
//
// Synthetic publishers (this process) send one chunk per source every 100 ms with the real headers
// (48 kHz stereo s16le PCM = 19,200 bytes; ~128 kbps MP3 = 4 units of ~400 bytes). The segmenter runs as its
// own process (services/segmenter/dist/main.js). At each step the number of sources is raised; a step
// "keeps up" when the segmenter's isr_segmenter_lag_seconds stays below 2 s and does not grow, and the
// consumer has no backlog. Peak RSS per active source = (RSS at the step − RSS idle) / sources.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAudioHeaders, Subjects, type AudioChunkMeta } from '@isr/contract';
import { connectBus, createLogger, parseConfig, provisionBus, toHeaders, type Bus } from '@isr/runtime';
import { freePort, sleep, startNatsServer, startService, waitFor } from '@isr/testkit';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const extraIni = process.env.ISR_BENCH_INI ?? '';
const STEP_MS = quick ? 6000 : 9000;
const CHUNK_MS = 100;
const PCM_BYTES = 4800 * 4;
const MP3_UNITS = [{ bytes: 418, samples: 1152 }, { bytes: 417, samples: 1152 }, { bytes: 418, samples: 1152 }, { bytes: 417, samples: 1152 }];
const MP3_BYTES = MP3_UNITS.reduce((a, u) => a + u.bytes, 0);

type Mode = 'wav' | 'flac' | 'mp3';

function meta(mode: Mode, source: string, session: string, start: number, seq: number): AudioChunkMeta {
  if (mode === 'mp3') return { source, format: 'mp3', codec: 'mp3', sampleRate: 44100, channels: 2, session, sessionStartMs: start, seq, offset: (seq - 1) * 4608, frames: 4608, units: MP3_UNITS };
  return { source, format: 'pcm', codec: 'pcm_s16le', sampleRate: 48000, channels: 2, session, sessionStartMs: start, seq, offset: (seq - 1) * 4800, frames: 4800 };
}

function payload(mode: Mode): Uint8Array {
  const b = Buffer.alloc(mode === 'mp3' ? MP3_BYTES : PCM_BYTES);
  // Music-like PCM for FLAC (noise would not compress and white silence would be unrealistically cheap).
  for (let i = 0; i < b.length / 2; i++) b.writeInt16LE(Math.round(8000 * Math.sin(i / 9) + 3000 * Math.sin(i / 3.1) + ((i * 7919) % 400) - 200), i * 2);
  return b;
}

async function metricsOf(port: number): Promise<{ lagMax: number; rss: number; pending: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let lagMax = 0;
  let rss = 0;
  let pending = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('isr_segmenter_lag_seconds{')) lagMax = Math.max(lagMax, Number(line.split(' ').at(-1)));
    else if (line.startsWith('process_resident_memory_bytes')) rss = Number(line.split(' ').at(-1));
    else if (line.startsWith('isr_segmenter_consumer_pending')) pending = Number(line.split(' ').at(-1));
  }
  return { lagMax, rss, pending };
}

/** Publishes one chunk per source every 100 ms for `ms` (core publishes into the stream, flushed per tick); returns how far the publisher itself fell behind. */
async function runPublishers(bus: Bus, mode: Mode, sources: number, ms: number, tag: string): Promise<{ behindMs: number; published: number }> {
  const data = payload(mode);
  const start = Date.now();
  const sessions = Array.from({ length: sources }, (_, i) => ({ source: `${mode}${tag}${i}`, session: `b${tag}-${i}-${start}` }));
  let seq = 1;
  let published = 0;
  let behindMs = 0;
  while (Date.now() - start < ms) {
    const due = start + (seq - 1) * CHUNK_MS;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    else behindMs = Math.max(behindMs, -wait);
    for (const s of sessions) bus.nc.publish(Subjects.audio(s.source), data, { headers: toHeaders(encodeAudioHeaders(meta(mode, s.source, s.session, start, seq))) });
    await bus.nc.flush();
    published += sources;
    seq++;
  }
  return { behindMs, published };
}

async function rawPublishRate(bus: Bus, mode: Mode): Promise<number> {
  const data = payload(mode);
  const t0 = Date.now();
  let n = 0;
  const subject = Subjects.audio('rawbaseline');
  while (Date.now() - t0 < 3000) {
    for (let i = 0; i < 200; i++) bus.nc.publish(subject, data, { headers: toHeaders(encodeAudioHeaders(meta(mode, 'rawbaseline', `raw${t0}`, t0, n + i + 1))) });
    await bus.nc.flush();
    n += 200;
  }
  // Count what the stream really stored (core publishes are not acknowledged one by one).
  await waitFor('baseline stored', async () => (await bus.jsm.streams.info('ISR_AUDIO')).state.messages >= n, 20_000, 100).catch(() => undefined);
  n = Math.min(n, (await bus.jsm.streams.info('ISR_AUDIO')).state.messages);
  await bus.jsm.streams.purge('ISR_AUDIO', { filter: subject });
  return (n * 1000) / (Date.now() - t0);
}

async function benchMode(mode: Mode, steps: number[]): Promise<{ maxSources: number; rawMsgsPerSec: number; rssPerSourceMb: number; rows: string[] }> {
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
  const seg = startService('segmenter', ['--config', configFile], { NATS_URL: nats.url, METRICS_PORT: String(port), LOG_LEVEL: 'warn', NODE_OPTIONS: process.env.ISR_BENCH_NODE_OPTIONS ?? '' });
  await waitFor('segmenter metrics', async () => (await metricsOf(port)).rss > 0, 20_000, 200);
  await sleep(1000);
  const idleRss = (await metricsOf(port)).rss;
  const rows: string[] = [];
  let maxSources = 0;
  let rssPerSourceMb = 0;
  for (const n of steps) {
    const tag = `s${n}x`;
    const pub = runPublishers(bus, mode, n, STEP_MS, tag);
    await sleep(STEP_MS / 2);
    const mid = await metricsOf(port);
    const { behindMs, published } = await pub;
    const end = await metricsOf(port);
    const keptUp = end.lagMax < 2 && end.lagMax <= mid.lagMax + 1 && end.pending < n * 5;
    const perSource = (end.rss - idleRss) / n / 2 ** 20;
    rows.push(`${mode.padEnd(4)} ${String(n).padStart(4)} sources: lag mid ${mid.lagMax.toFixed(2)} s, end ${end.lagMax.toFixed(2)} s, backlog ${end.pending}, RSS ${(end.rss / 2 ** 20).toFixed(0)} MB (${perSource.toFixed(2)} MB/source), publisher behind ${behindMs} ms, ${published} chunks → ${keptUp ? 'keeps up' : 'FALLS BEHIND'}`);
    console.log(rows.at(-1));
    if (behindMs > 1000) {
      rows.push(`${mode}: the publisher itself could not keep ${n} sources at real time; stopping the ramp here`);
      console.log(rows.at(-1));
      if (keptUp) { maxSources = n; rssPerSourceMb = Math.max(rssPerSourceMb, perSource); }
      break;
    }
    if (!keptUp) break;
    maxSources = n;
    rssPerSourceMb = Math.max(rssPerSourceMb, perSource);
    // Let the segmenter drain and remove the step's files so the next step starts clean.
    await sleep(1500);
    rmSync(join(dir, 'rec'), { recursive: true, force: true });
  }
  await seg.stop('SIGTERM', 30_000);
  await nc.drain();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
  return { maxSources, rawMsgsPerSec, rssPerSourceMb, rows };
}

const plan: Record<Mode, number[]> = quick
  ? { wav: [50, 150, 300], flac: [40, 120], mp3: [100, 300] }
  : { wav: [50, 150, 300, 450, 600], flac: [40, 80, 120, 180, 240], mp3: [150, 300, 600, 1000] };
if (process.env.ISR_BENCH_STEPS) for (const m of Object.keys(plan) as Mode[]) plan[m] = process.env.ISR_BENCH_STEPS.split(',').map(Number);
const goals: Record<Mode, number> = { wav: 300, flac: 120, mp3: 300 };
const summary: string[] = [];
for (const mode of (['wav', 'flac', 'mp3'] as Mode[]).filter((m) => !only || only.split(',').includes(m))) {
  const r = await benchMode(mode, plan[mode]);
  const chunkSources = r.rawMsgsPerSec / (1000 / CHUNK_MS);
  summary.push(`${mode.padEnd(4)}: max sustained ${r.maxSources} sources (goal ≥ ${goals[mode]}); raw JetStream publish ${r.rawMsgsPerSec.toFixed(0)} chunks/s = ${chunkSources.toFixed(0)} real-time sources; ratio segmenter/raw ${(r.maxSources / chunkSources).toFixed(2)}; peak RSS ${r.rssPerSourceMb.toFixed(2)} MB per source (goal < 4)`);
}
console.log('\n' + summary.join('\n'));
