// Shared setup for the segmenter's integration tests: a private nats-server, the bus provisioned from a
// real INI config, the segmenter started in-process (or as a real process), and chunk publishers that
// use the real header encoding.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeAudioHeaders,
  Subjects,
  type AudioChunkMeta,
  type AudioUnit,
  type SegmentClosedEvent,
  type SegmentDeletedEvent,
  type SegmentOpenedEvent,
} from '@isr/contract';
import {
  connectBus,
  createLogger,
  createRegistry,
  parseConfig,
  provisionBus,
  toHeaders,
  type Bus,
  type RunningService,
} from '@isr/runtime';
import { flacSamples, startNatsServer, tempDir, type NatsServerHandle } from '@isr/testkit';
import { startSegmenter, type SegmenterOptions } from '../src/service.ts';

export interface Harness {
  nats: NatsServerHandle;
  dir: string;
  configFile: string;
  bus: Bus;
  events: { opened: SegmentOpenedEvent[]; closed: SegmentClosedEvent[]; deleted: SegmentDeletedEvent[] };
  start(opts?: SegmenterOptions): Promise<{ service: RunningService; registry: ReturnType<typeof createRegistry> }>;
  /** Closes the segmenters started (before a test unmounts their recordings directory). */
  closeServices(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function setup(ini: (dir: string) => string): Promise<Harness> {
  const nats = await startNatsServer();
  const tmp = await tempDir('isr-seg-');
  const dir = tmp.path;
  const configFile = join(dir, 'config.ini');
  writeFileSync(configFile, ini(dir));
  const config = parseConfig(readFileSync(configFile, 'utf8'), {
    service: 'segmenter',
    file: configFile,
    env: { NATS_URL: nats.url },
    cwd: dir,
  });
  const log = createLogger({ service: 'segmenter-test', level: 'warn', pretty: false });
  const nc = await connectBus(config, 'segmenter-test', log);
  const bus = await provisionBus(nc, config);
  const events: Harness['events'] = { opened: [], closed: [], deleted: [] };
  const sub = nc.subscribe(`${Subjects.segmentOpenedAll.replace('.opened.*', '.>')}`);
  void (async () => {
    for await (const m of sub) {
      if (m.subject.includes('.deleted.')) events.deleted.push(m.json<SegmentDeletedEvent>());
      else if (m.subject.includes('.opened.')) events.opened.push(m.json<SegmentOpenedEvent>());
      else events.closed.push(m.json<SegmentClosedEvent>());
    }
  })();
  const services: RunningService[] = [];
  return {
    nats,
    dir,
    configFile,
    bus,
    events,
    async start(opts) {
      const registry = createRegistry('segmenter');
      const segLog = createLogger({ service: 'segmenter', level: 'error', pretty: false });
      const service = await startSegmenter({ config, log: segLog, registry, bus }, opts);
      services.push(service);
      return { service, registry };
    },
    async closeServices() {
      for (const s of services.splice(0)) await s.close().catch(() => undefined);
    },
    async cleanup() {
      for (const s of services.splice(0)) await s.close().catch(() => undefined);
      await nc.drain().catch(() => undefined);
      await nats.stop();
      await tmp.remove();
    },
  };
}

/** A deterministic s16le signal: every sample differs from its neighbours, so shifts and repeats show. */
export function pcmSignal(frames: number, channels: number, seed = 0): Buffer {
  const b = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++)
    for (let c = 0; c < channels; c++)
      b.writeInt16LE((((i + seed) * 7 + c * 13) % 65536) - 32768, (i * channels + c) * 2);
  return b;
}

export interface PcmStream {
  source: string;
  session: string;
  sessionStartMs: number;
  sampleRate: number;
  channels: number;
}

/** Publishes PCM in chunks of the given sizes (cycled), with consecutive sequence numbers from 1. */
export async function publishPcmSizes(bus: Bus, s: PcmStream, pcm: Buffer, sizes: number[]): Promise<number> {
  const bpf = s.channels * 2;
  const total = pcm.length / bpf;
  let seq = 1;
  for (let f = 0, i = 0; f < total; i++) {
    const n = Math.min(sizes[i % sizes.length]!, total - f);
    const meta: AudioChunkMeta = {
      source: s.source,
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: s.sampleRate,
      channels: s.channels,
      session: s.session,
      sessionStartMs: s.sessionStartMs,
      seq: seq++,
      offset: f,
      frames: n,
    };
    await bus.js.publish(Subjects.audio(s.source), pcm.subarray(f * bpf, (f + n) * bpf), {
      headers: toHeaders(encodeAudioHeaders(meta)),
    });
    f += n;
  }
  return seq - 1;
}

/** Publishes PCM in chunks of `chunkFrames` from frame `from` (seq continues from `from / chunkFrames + 1`). */
export async function publishPcm(
  bus: Bus,
  s: PcmStream,
  pcm: Buffer,
  chunkFrames: number,
  fromFrame = 0,
  toFrame?: number,
): Promise<void> {
  const bpf = s.channels * 2;
  const total = toFrame ?? pcm.length / bpf;
  for (let f = fromFrame; f < total; f += chunkFrames) {
    const n = Math.min(chunkFrames, total - f);
    const meta: AudioChunkMeta = {
      source: s.source,
      format: 'pcm',
      codec: 'pcm_s16le',
      sampleRate: s.sampleRate,
      channels: s.channels,
      session: s.session,
      sessionStartMs: s.sessionStartMs,
      seq: f / chunkFrames + 1,
      offset: f,
      frames: n,
    };
    await bus.js.publish(Subjects.audio(s.source), pcm.subarray(f * bpf, (f + n) * bpf), {
      headers: toHeaders(encodeAudioHeaders(meta)),
    });
  }
}

export async function publishUnits(
  bus: Bus,
  base: Omit<AudioChunkMeta, 'seq' | 'offset' | 'frames' | 'units'>,
  data: Buffer,
  units: AudioUnit[],
  perChunk: number,
  startOffset = 0,
): Promise<void> {
  let pos = 0;
  let offset = startOffset;
  let seq = 1;
  for (let i = 0; i < units.length; i += perChunk) {
    const us = units.slice(i, i + perChunk);
    const bytes = us.reduce((a, u) => a + u.bytes, 0);
    const frames = us.reduce((a, u) => a + u.samples, 0);
    const meta: AudioChunkMeta = { ...base, seq: seq++, offset, frames, units: us };
    await bus.js.publish(Subjects.audio(base.source), data.subarray(pos, pos + bytes), {
      headers: toHeaders(encodeAudioHeaders(meta)),
    });
    pos += bytes;
    offset += frames;
  }
}

export {
  recordingFiles as recordings,
  ffmpegErrors,
  flacSamples,
  segmenterBacklog,
  segmenterConsumerOf,
  segmenterDrained,
  wavSamples,
} from '@isr/testkit';

/**
 * A source's FLAC files as a user checks them: no `_N` file beside a period's own, each passes `flac -t`, each
 * holds exactly the frames its period should (`framesPerFile`, oldest first), and together exactly `pcm`.
 */
export function assertFlacFiles(files: readonly string[], framesPerFile: readonly number[], pcm: Buffer): void {
  assert.deepEqual(
    files.filter((f) => /_\d+\.flac$/.test(f)),
    [],
    'no _N FLAC file',
  );
  const decoded = files.map(flacSamples);
  assert.deepEqual(
    decoded.map((d) => d.length / 2),
    framesPerFile,
    'one FLAC file per period, each with exactly its frames',
  );
  assert.ok(Buffer.concat(decoded).equals(pcm), 'the FLAC files hold the input exactly, in order');
}

/** MPEG-1/2 Layer III frame sizes (a test-side parser, independent of the segmenter). */
export function mp3Frames(buf: Buffer): AudioUnit[] {
  const rates1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
  const srs = [44100, 48000, 32000];
  const units: AudioUnit[] = [];
  for (let p = 0; p < buf.length;) {
    if (buf[p] !== 0xff) throw new Error(`no MP3 frame sync at byte ${p}`);
    const b2 = buf[p + 2]!;
    const len = Math.floor((144 * rates1[b2 >> 4]! * 1000) / srs[(b2 >> 2) & 3]!) + ((b2 >> 1) & 1);
    units.push({ bytes: len, samples: 1152 });
    p += len;
  }
  return units;
}
