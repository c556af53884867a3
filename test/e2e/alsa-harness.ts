// Soundcard path end to end: the real arecord reads FIFO-fed ALSA file PCMs at real-time pace, the BUILT
// capture-alsa and segmenter run as real processes against a private nats-server, and the files they
// leave are judged the way a user would: decoded by ffmpeg / flac, compared sample by sample.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamNames, Subjects, type SegmentClosedEvent } from '@isr/contract';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  FifoWriter,
  freePort,
  startNatsServer,
  startService,
  tempDir,
  waitFor,
  writeAlsaTestConfig,
  type NatsServerHandle,
  type ServiceHandle,
  segmenterDrained,
} from '@isr/testkit';

export interface AlsaSource {
  name: string;
  format: 'wav' | 'flac';
  sampleRate: number;
  channels: number;
}

export interface AlsaPipeline {
  dir: string;
  recordings: string;
  nats: NatsServerHandle;
  nc: NatsConnection;
  capture: ServiceHandle;
  segmenter: ServiceHandle;
  writers: Map<string, FifoWriter>;
  captureMetricsPort: number;
  startSegmenter(): Promise<ServiceHandle>;
  /** Waits until capture-alsa has read `frames` frames of every source and the segmenter has acknowledged everything. */
  drain(frames: (s: AlsaSource) => number, timeoutMs?: number): Promise<void>;
  /** Stops capture (before the writers close their FIFOs: no EOF flood), the writers, then the segmenter. */
  stop(): Promise<{ capture: number | null; segmenter: number | null }>;
  cleanup(): Promise<void>;
}

/** Starts nats-server, a FIFO writer per source (waiting for arecord), capture-alsa and the segmenter. */
export async function startAlsaPipeline(sources: AlsaSource[], seconds: number): Promise<AlsaPipeline> {
  const nats = await startNatsServer();
  const tmp = await tempDir('isr-alsa-e2e-');
  const dir = tmp.path;
  const recordings = join(dir, 'rec');
  const { configPath, pcms } = writeAlsaTestConfig(
    dir,
    sources.map((s) => `isr_${s.name}`),
  );
  const configFile = join(dir, 'config.ini');
  writeFileSync(
    configFile,
    `[general]
output_directory = ${recordings}
split_minutes = 0.1
timezone = UTC
header_rewrite_seconds = 1
reconnect_min_seconds = 0.5
reconnect_max_seconds = 2
arecord_stall_seconds = 60
${sources
  .map(
    (s) => `
[${s.name}]
type = soundcard
device = isr_${s.name}
sample_rate = ${s.sampleRate}
channels = ${s.channels}
format = ${s.format}
`,
  )
  .join('')}`,
  );
  const writers = new Map(
    sources.map((s, i) => [
      s.name,
      new FifoWriter({ fifo: pcms[i]!.fifo, sampleRate: s.sampleRate, channels: s.channels, seconds }),
    ]),
  );
  // each writer waits for its arecord to open the FIFO, so the first second flows the moment arecord starts
  const opened = [...writers.values()].map((w) => w.start());
  const env = { NATS_URL: nats.url, ALSA_CONFIG_PATH: configPath, LOG_LEVEL: 'info' };
  const captureMetricsPort = await freePort();
  const capture = startService('capture-alsa', ['--config', configFile], {
    ...env,
    METRICS_PORT: String(captureMetricsPort),
  });
  const startSegmenter = async () => {
    const seg = startService('segmenter', ['--config', configFile], { ...env, METRICS_PORT: String(await freePort()) });
    await waitFor(
      'segmenter consuming',
      () => seg.output().includes('segmenter consuming') || seg.child.exitCode !== null,
      30_000,
    );
    if (seg.child.exitCode !== null) throw new Error(`segmenter exited:\n${seg.output()}`);
    return seg;
  };
  let segmenter: ServiceHandle;
  try {
    await Promise.all(opened);
    segmenter = await startSegmenter();
  } catch (err) {
    await capture.stop('SIGKILL');
    throw new Error(`${(err as Error).message}\n--- capture-alsa:\n${capture.output()}`, { cause: err });
  }
  const nc = await connect({ servers: nats.url });
  const pipeline: AlsaPipeline = {
    dir,
    recordings,
    nats,
    nc,
    capture,
    segmenter,
    writers,
    captureMetricsPort,
    startSegmenter,
    async drain(frames, timeoutMs = 60_000) {
      await waitFor(
        'capture-alsa to read every frame',
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${captureMetricsPort}/metrics`)).text();
          return sources.every((s) => {
            const m = new RegExp(`^isr_capture_alsa_frames_total\\{source="${s.name}"[^}]*\\} (\\d+)`, 'm').exec(text);
            return m && Number(m[1]) >= frames(s);
          });
        },
        timeoutMs,
        250,
      );
      const jsm = await jetstreamManager(nc);
      await waitFor('the segmenter to acknowledge every chunk', () => segmenterDrained(jsm), timeoutMs, 250);
    },
    async stop() {
      for (const w of writers.values()) await w.pause();
      const c = await capture.stop('SIGTERM');
      for (const w of writers.values()) await w.stop();
      const s = await pipeline.segmenter.stop('SIGTERM');
      return { capture: c, segmenter: s };
    },
    async cleanup() {
      await capture.stop('SIGKILL');
      await pipeline.segmenter.stop('SIGKILL');
      for (const w of writers.values()) await w.stop().catch(() => undefined);
      await nc.close().catch(() => undefined);
      await nats.stop();
      if (!process.env.ISR_KEEP_TEST_DIR) await tmp.remove();
    },
  };
  return pipeline;
}

/** Every isr.segment.closed event so far, from ISR_EVENTS. */
export async function closedEvents(nc: NatsConnection, source: string): Promise<SegmentClosedEvent[]> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(StreamNames.events);
  const out: SegmentClosedEvent[] = [];
  if (info.state.messages === 0) return out;
  const consumer = await js.consumers.get(StreamNames.events);
  const msgs = await consumer.fetch({ max_messages: info.state.messages, expires: 2000 });
  for await (const m of msgs) {
    if (m.subject === Subjects.segmentClosed(source)) out.push(m.json<SegmentClosedEvent>());
    if (m.info.pending === 0) break;
  }
  return out;
}

export { recordingFiles, ffmpegErrors, samplesOf } from '@isr/testkit';
