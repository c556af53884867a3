import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parseJson, StreamNames, Subjects, type AudioChunkMeta, type SegmentClosedEvent } from '@isr/contract';
import {
  feedIcecast,
  freePort,
  recordingFiles,
  startIcecast,
  startNatsServer,
  startService,
  StreamTap,
  tempDir,
  waitFor,
  type IcecastFeed,
  type IcecastFeedCodec,
  type IcecastHandle,
  type NatsServerHandle,
  type ServiceHandle,
} from '@isr/testkit';

/**
 * The spine as users run it: nats-server, Icecast fed by ffmpeg -re, and the BUILT capture-stream and
 * segmenter as real processes, all on loopback with one INI (split_minutes = 0.1, UTC).
 */
export interface Spine {
  source: string;
  dir: string;
  nats: NatsServerHandle;
  ice: IcecastHandle;
  feed: IcecastFeed;
  capture: ServiceHandle;
  segmenter: ServiceHandle;
  /** Every ISR_AUDIO chunk of the source, in stream order. */
  published(): AudioChunkMeta[];
  /** The payloads of those chunks. */
  publishedData(): Uint8Array[];
  closed(): SegmentClosedEvent[];
  /** The source's recordings on disk, in name (= time) order. */
  recordings(): string[];
  startSegmenter(): ServiceHandle;
  /** Stops capture, waits until the segmenter has written everything, stops the segmenter (closing its files). */
  finish(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startSpine(codec: IcecastFeedCodec, source = `radio_${codec}`): Promise<Spine> {
  const [nats, ice, tmp] = await Promise.all([startNatsServer(), startIcecast(), tempDir(`isr-e2e-${codec}-`)]);
  const mount = `/${source}`;
  const feed = await feedIcecast({ target: ice.sourceUrl(mount), codec });
  const config = join(tmp.path, 'config.ini');
  await writeFile(
    config,
    [
      '[general]',
      `output_directory = ${join(tmp.path, 'rec')}`,
      'split_minutes = 0.1',
      'timezone = UTC',
      'reconnect_min_seconds = 0.5',
      'reconnect_max_seconds = 1',
      'stall_seconds = 4',
      'idle_close_seconds = 3',
      '',
      `[${source}]`,
      'type = stream',
      `url = ${ice.url(mount)}`,
      '',
    ].join('\n'),
  );
  const env = async () => ({ NATS_URL: nats.url, METRICS_PORT: String(await freePort()), LOG_LEVEL: 'info' });
  const segEnv = await env();
  const startSeg = () => startService('segmenter', ['--config', config], segEnv);
  let segmenter = startSeg();
  await waitFor(
    `segmenter serving /healthz\n`,
    async () =>
      await fetch(`http://127.0.0.1:${segEnv.METRICS_PORT}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
  );
  const capture = startService('capture-stream', ['--config', config], await env());
  const audio = await StreamTap.open(nats.url, StreamNames.audio, Subjects.audio(source));
  const events = await StreamTap.open(nats.url, StreamNames.events, Subjects.segmentClosed(source));
  const recordings = () => recordingFiles(join(tmp.path, 'rec'), source, codec === 'mp3' ? 'mp3' : 'ogg');
  return {
    source,
    dir: tmp.path,
    nats,
    ice,
    feed,
    capture,
    get segmenter() {
      return segmenter;
    },
    published: () => audio.chunks.map((m) => m.meta),
    publishedData: () => audio.chunks.map((m) => m.data),
    closed: () => events.raw.map((r) => parseJson<SegmentClosedEvent>(r.data, 'closed event')),
    recordings,
    startSegmenter: () => (segmenter = startSeg()),
    async finish() {
      await capture.stop();
      const nc = await connect({ servers: nats.url });
      try {
        const jsm = await jetstreamManager(nc);
        await waitFor(
          'the segmenter to write every chunk',
          async () => {
            const names: string[] = [];
            for await (const c of jsm.consumers.list(StreamNames.audio)) names.push(c.name);
            const infos = await Promise.all(names.map((n) => jsm.consumers.info(StreamNames.audio, n)));
            return infos.length > 0 && infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0);
          },
          30_000,
          250,
        );
      } finally {
        await nc.close();
      }
      await segmenter.stop();
      await waitFor('closed events of the final files', () => events.raw.length >= recordings().length, 5_000);
    },
    async cleanup() {
      await Promise.all([audio.close(), events.close()]);
      await Promise.all([capture.stop(), segmenter.stop(), feed.stop()]);
      await Promise.all([ice.stop(), nats.stop()]);
      await tmp.remove();
    },
  };
}

/** Decoded sample frames of a file (ffmpeg → mono s16le, bytes / 2). */
export function decodedSamples(file: string): number {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-f', 's16le', '-'], { maxBuffer: 1 << 28 });
  return r.stdout.length / 2;
}

/** Longest codec unit (frame or Ogg page) in the published chunks, in ms. */
export function longestUnitMs(chunks: AudioChunkMeta[]): number {
  let max = 0;
  for (const c of chunks) for (const u of c.units ?? []) max = Math.max(max, (u.samples * 1000) / c.sampleRate);
  return max;
}

export { ffmpegErrors } from '@isr/testkit';
