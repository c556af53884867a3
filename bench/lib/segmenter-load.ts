// Synthetic real-time load for the segmenter benchmarks (bench/segmenter.ts, bench/cluster.ts): chunks with the
// real headers, one per source every 100 ms, and the raw publish rate of the same chunks as the baseline.
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeAudioHeaders, Subjects, type AudioChunkMeta } from '@isr/contract';
import { toHeaders, type Bus } from '@isr/runtime';
import { waitFor } from '@isr/testkit';

export const CHUNK_MS = 100;
const PCM_BYTES = 4800 * 4;
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
    offset: (seq - 1) * 4800,
    frames: 4800,
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
export async function metricsOf(
  port: number,
  lagOf = '',
): Promise<{ lagMax: number; rss: number; pending: number; owned: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let lagMax = 0;
  let rss = 0;
  let pending = 0;
  let owned = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`isr_segmenter_lag_seconds{source="${lagOf}`))
      lagMax = Math.max(lagMax, Number(line.split(' ').at(-1)));
    else if (line.startsWith('isr_segmenter_source_owned{')) owned += Number(line.split(' ').at(-1));
    else if (line.startsWith('process_resident_memory_bytes')) rss = Number(line.split(' ').at(-1));
    else if (line.startsWith('isr_segmenter_consumer_pending')) pending = Number(line.split(' ').at(-1));
  }
  return { lagMax, rss, pending, owned };
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
    for (const s of sessions)
      bus.nc.publish(Subjects.audio(s.source), data, {
        headers: toHeaders(encodeAudioHeaders(meta(mode, s.source, s.session, start, seq))),
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
