// Synthetic real-time load for the segmenter benchmarks (bench/segmenter.ts, bench/cluster.ts): chunks with the
// real headers, one per source every 100 ms, and the raw publish rate of the same chunks as the baseline.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeAudioHeaders, Subjects, type AudioChunkMeta } from '@isr/contract';
import { toHeaders, type Bus } from '@isr/runtime';
import { waitFor } from '@isr/testkit';

/** Chunk length (PCM: 48 kHz stereo s16le); `ISR_BENCH_CHUNK_MS` measures a capture's chunk_ms lever (PCM modes). */
export const CHUNK_MS = Number(process.env.ISR_BENCH_CHUNK_MS ?? 100);
const PCM_FRAMES = 48 * CHUNK_MS;
const PCM_BYTES = PCM_FRAMES * 4;
const MP3_UNITS = [
  { bytes: 418, samples: 1152 },
  { bytes: 417, samples: 1152 },
  { bytes: 418, samples: 1152 },
  { bytes: 417, samples: 1152 },
];
const MP3_BYTES = MP3_UNITS.reduce((a, u) => a + u.bytes, 0);

export type Mode = 'wav' | 'flac' | 'mp3';

function meta(mode: Mode, source: string, session: string, start: number, seq: number): AudioChunkMeta {
  if (mode === 'mp3')
    return {
      source,
      format: 'mp3',
      codec: 'mp3',
      sampleRate: 44100,
      channels: 2,
      session,
      sessionStartMs: start,
      seq,
      offset: (seq - 1) * 4608,
      frames: 4608,
      units: MP3_UNITS,
    };
  return {
    source,
    format: 'pcm',
    codec: 'pcm_s16le',
    sampleRate: 48000,
    channels: 2,
    session,
    sessionStartMs: start,
    seq,
    offset: (seq - 1) * PCM_FRAMES,
    frames: PCM_FRAMES,
  };
}

function payload(mode: Mode): Uint8Array {
  const b = Buffer.alloc(mode === 'mp3' ? MP3_BYTES : PCM_BYTES);
  // Music-like PCM for FLAC (noise would not compress and white silence would be unrealistically cheap).
  for (let i = 0; i < b.length / 2; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin(i / 9) + 3000 * Math.sin(i / 3.1) + ((i * 7919) % 400) - 200), i * 2);
  return b;
}

/**
 * A segmenter's figures from its /metrics: highest lag, RSS, undelivered chunks, sources it owns. `lagOf`: only the
 * lag of sources whose name starts with it (a step's own sources): the lag of a source whose publisher stopped —
 * an earlier step's — keeps growing until its file is closed for idleness, and is no sign of falling behind.
 */
export interface SegmenterFigures {
  lagMax: number;
  rss: number;
  pending: number;
  owned: number;
  /** isr_segmenter_write_latency_seconds: cumulative count per upper bound (seconds; Infinity last). */
  latency: [number, number][];
}

export async function metricsOf(port: number, lagOf = ''): Promise<SegmenterFigures> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let lagMax = 0;
  let rss = 0;
  let pending = 0;
  let owned = 0;
  const latency: [number, number][] = [];
  for (const line of text.split('\n')) {
    const bucket = /^isr_segmenter_write_latency_seconds_bucket\{le="([^"]+)"[^}]*\} (\S+)/.exec(line);
    if (bucket) latency.push([bucket[1] === '+Inf' ? Infinity : Number(bucket[1]), Number(bucket[2])]);
    else if (line.startsWith(`isr_segmenter_lag_seconds{source="${lagOf}`))
      lagMax = Math.max(lagMax, Number(line.split(' ').at(-1)));
    else if (line.startsWith('isr_segmenter_source_owned{')) owned += Number(line.split(' ').at(-1));
    else if (line.startsWith('process_resident_memory_bytes')) rss = Number(line.split(' ').at(-1));
    else if (line.startsWith('isr_segmenter_consumer_pending')) pending = Number(line.split(' ').at(-1));
  }
  return { lagMax, rss, pending, owned, latency };
}

/**
 * The q-quantile of the chunks written between two readings of the latency histogram, interpolated within its
 * bucket as Prometheus' histogram_quantile does (null: nothing written; Infinity: beyond the last bound).
 */
export function latencyQuantile(before: SegmenterFigures, after: SegmenterFigures, q: number): number | null {
  const counts = after.latency.map(([le, n], i) => [le, n - (before.latency[i]?.[1] ?? 0)] as const);
  const total = counts.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevN = 0;
  for (const [le, n] of counts) {
    if (n >= rank) return le === Infinity ? Infinity : prevLe + ((le - prevLe) * (rank - prevN)) / (n - prevN || 1);
    prevLe = le;
    prevN = n;
  }
  return Infinity;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Publishes one chunk per source every 100 ms for `ms` (core publishes into the stream, flushed per tick); returns how far the publisher itself fell behind. */
/**
 * `ready`: the sources are new to the segmenters, which take them on (a lease and a consumer each) when they
 * see their first chunk. One chunk per source is published first, in a session of its own, and the real-time
 * load starts (a new session) once `ready` resolves — so a step measures keeping up, not taking on.
 */
export async function runPublishers(
  bus: Bus,
  mode: Mode,
  sources: number,
  ms: number,
  tag: string,
  ready?: () => Promise<void>,
): Promise<{ behindMs: number; published: number }> {
  const data = payload(mode);
  if (ready) {
    const t = Date.now();
    for (let i = 0; i < sources; i++) {
      const source = `${mode}${tag}${i}`;
      bus.nc.publish(Subjects.audio(source), data, {
        headers: toHeaders(encodeAudioHeaders(meta(mode, source, `p${tag}-${i}-${t}`, t, 1))),
      });
    }
    await bus.nc.flush();
    await ready();
  }
  const start = Date.now();
  const sessions = Array.from({ length: sources }, (_, i) => ({
    source: `${mode}${tag}${i}`,
    session: `b${tag}-${i}-${start}`,
  }));
  let seq = 1;
  let published = 0;
  let behindMs = 0;
  while (Date.now() - start < ms) {
    const due = start + (seq - 1) * CHUNK_MS;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    else behindMs = Math.max(behindMs, -wait);
    // The session starts one chunk before the clock does: like a capture, a chunk goes out once its last
    // sample is in, so the segmenter's write latency is capture → disk.
    for (const s of sessions)
      bus.nc.publish(Subjects.audio(s.source), data, {
        headers: toHeaders(encodeAudioHeaders(meta(mode, s.source, s.session, start - CHUNK_MS, seq))),
      });
    await bus.nc.flush();
    published += sources;
    seq++;
  }
  return { behindMs, published };
}

export async function rawPublishRate(bus: Bus, mode: Mode): Promise<number> {
  const data = payload(mode);
  const t0 = Date.now();
  let n = 0;
  const subject = Subjects.audio('rawbaseline');
  while (Date.now() - t0 < 3000) {
    for (let i = 0; i < 200; i++)
      bus.nc.publish(subject, data, {
        headers: toHeaders(encodeAudioHeaders(meta(mode, 'rawbaseline', `raw${t0}`, t0, n + i + 1))),
      });
    await bus.nc.flush();
    n += 200;
  }
  // Count what the stream really stored (core publishes are not acknowledged one by one).
  await waitFor(
    'baseline stored',
    async () => (await bus.jsm.streams.info('ISR_AUDIO')).state.messages >= n,
    20_000,
    100,
  ).catch(() => undefined);
  n = Math.min(n, (await bus.jsm.streams.info('ISR_AUDIO')).state.messages);
  await bus.jsm.streams.purge('ISR_AUDIO', { filter: subject });
  return (n * 1000) / (Date.now() - t0);
}
