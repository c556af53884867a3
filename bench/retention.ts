// Retention and the disk guard must not stall writing: the segmenter's lag while it indexes an archive of
// 200,000 recordings (and deletes the 20,000 of them older than keep_days), against the same run with an
// empty archive (the baseline), both in this script.
//
//   npm run build && node --conditions=development bench/retention.ts [--quick]
//
// The segmenter runs as its own process (services/segmenter/dist/main.js); this process publishes 20 real-time
// 48 kHz stereo PCM sources (one 100 ms chunk per source every 100 ms) and reads isr_segmenter_lag_seconds
// every 100 ms. The figure that matters: the largest lag with the archive minus the largest lag without it,
// in chunks (100 ms); the issue asks for less than one.
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeAudioHeaders, Subjects, type AudioChunkMeta } from '@isr/contract';
import { connectBus, createLogger, parseConfig, provisionBus, toHeaders } from '@isr/runtime';
import { freePort, startNatsServer, startService, waitFor } from '@isr/testkit';

const quick = process.argv.includes('--quick');
const FILES = quick ? 50_000 : 200_000;
const OLD = FILES / 10;
const SOURCES = 20;
const RUN_MS = quick ? 15_000 : 60_000;
const CHUNK_FRAMES = 4800;
const DAY_S = 86_400;

/** <dir>/rec/arch<k>/<day>/<n>.wav: 100-byte files in day directories of 500, the first OLD of them 30 days old. */
function fillArchive(rec: string): number {
  const t0 = Date.now();
  const old = Date.now() / 1000 - 30 * DAY_S;
  for (let i = 0; i < FILES; i++) {
    const dir = join(rec, `arch${i % 10}`, `day${Math.floor(i / 5000)}`);
    if (i % 5000 < 10) mkdirSync(dir, { recursive: true });
    const p = join(dir, `${i}.wav`);
    closeSync(openSync(p, 'w'));
    if (i < OLD) utimesSync(p, old, old);
  }
  return Date.now() - t0;
}

async function metric(port: number, name: string): Promise<number[]> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name + '{') || l.startsWith(name + ' '))
    .map((l) => Number(l.split(' ').at(-1)));
}

async function run(
  withArchive: boolean,
): Promise<{ maxLag: number; p99Lag: number; deleted: number; indexed: string }> {
  const nats = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), 'isr-bench-ret-'));
  try {
    const rec = join(dir, 'rec');
    mkdirSync(rec);
    if (withArchive)
      console.log(`  archive: ${FILES} files written in ${fillArchive(rec)} ms (${OLD} of them 30 days old)`);
    const configFile = join(dir, 'config.ini');
    const ini = `[general]\noutput_directory = ${rec}\nsplit_minutes = 1\ntimezone = UTC\nkeep_days = 7\ndisk_check_seconds = 1\naudio_retention_minutes = 2\n`;
    writeFileSync(configFile, ini);
    const config = parseConfig(ini, { service: 'segmenter', file: configFile, env: { NATS_URL: nats.url }, cwd: dir });
    const bus = await provisionBus(
      await connectBus(config, 'bench', createLogger({ service: 'bench', level: 'warn', pretty: false })),
      config,
    );
    const port = await freePort();
    const seg = startService('segmenter', ['--config', configFile], {
      NATS_URL: nats.url,
      METRICS_PORT: String(port),
      LOG_LEVEL: 'info',
    });
    await waitFor('segmenter consuming', () => seg.output().includes('segmenter consuming'), 30_000);

    const pcm = Buffer.alloc(CHUNK_FRAMES * 4, 0x11);
    const start = Date.now();
    const lags: number[] = [];
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const v = await metric(port, 'isr_segmenter_lag_seconds').catch(() => []);
        if (v.length) lags.push(Math.max(...v));
        await sleep(100);
      }
    })();
    for (let seq = 1; Date.now() - start < RUN_MS; seq++) {
      const wait = start + (seq - 1) * 100 - Date.now();
      if (wait > 0) await sleep(wait);
      for (let s = 0; s < SOURCES; s++) {
        // Captured in the 100 ms before it is published: the lag is then the segmenter's own delay.
        const meta: AudioChunkMeta = {
          source: `live${s}`,
          format: 'pcm',
          codec: 'pcm_s16le',
          sampleRate: 48000,
          channels: 2,
          session: `b-${s}-${start}`,
          sessionStartMs: start - 100,
          seq,
          offset: (seq - 1) * CHUNK_FRAMES,
          frames: CHUNK_FRAMES,
        };
        bus.nc.publish(Subjects.audio(meta.source), pcm, { headers: toHeaders(encodeAudioHeaders(meta)) });
      }
      await bus.nc.flush();
    }
    stop = true;
    await sampler;
    const deleted = (await metric(port, 'isr_segmenter_files_deleted_total')).reduce((a, b) => a + b, 0);
    const indexed = /"files":(\d+),"ms":(\d+)[^\n]*retention: recordings indexed/.exec(seg.output());
    await seg.stop('SIGTERM', 30_000);
    await bus.nc.close();
    const sorted = lags.slice(2).sort((a, b) => a - b); // the first samples precede the first chunk written
    return {
      maxLag: sorted.at(-1) ?? NaN,
      p99Lag: sorted[Math.floor(sorted.length * 0.99)] ?? NaN,
      deleted,
      indexed: indexed ? `${indexed[1]} files indexed in ${indexed[2]} ms` : 'index not complete within the run',
    };
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`retention bench: ${SOURCES} real-time 48 kHz stereo WAV sources for ${RUN_MS / 1000} s, keep_days = 7`);
const base = await run(false);
console.log(`  baseline (empty archive): lag max ${base.maxLag.toFixed(3)} s, p99 ${base.p99Lag.toFixed(3)} s`);
const arch = await run(true);
console.log(
  `  with archive: lag max ${arch.maxLag.toFixed(3)} s, p99 ${arch.p99Lag.toFixed(3)} s; ${arch.indexed}; ${arch.deleted} deleted during the run`,
);
const extra = arch.maxLag - base.maxLag;
console.log(
  `  → extra lag from the archive: ${extra.toFixed(3)} s = ${(extra / 0.1).toFixed(2)} chunks (target < 1); max-lag ratio ${(arch.maxLag / base.maxLag).toFixed(2)}×`,
);
