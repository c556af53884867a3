import { AudioCodecs, AudioFormats, CaptureStates, timeOfFrame } from '@isr/contract';
import { CaptureStatusWriter, OrderedPublisher, type JetStreamClient, type KV, type LeaseFence } from '@isr/runtime';
import type { Logger } from 'pino';
import type { CaptureMetrics } from './metrics.ts';

export interface PcmOutletOptions {
  source: string;
  sampleRate: number;
  channels: number;
  /** Audio kept while NATS is unreachable; beyond it the oldest is dropped and counted. */
  bufferSeconds: number;
  js: JetStreamClient;
  statusKv: KV;
  /** The source's logger. */
  log: Logger;
  metrics: CaptureMetrics;
  now: () => number;
  /** The source's lease, when this instance may be one of several given the source. */
  fence?: LeaseFence;
}

/** A capture session: its id and the epoch ms of its first sample (set when the first audio arrives). */
export interface PcmSession {
  id: string;
  sessionStartMs: number;
}

/** A chunk of a session: `offset` and `frames` in sample frames, `data` interleaved s16le. */
export interface PcmChunk {
  offset: number;
  frames: number;
  data: Buffer;
}

/**
 * Where a PCM source's audio goes, whatever makes it (arecord or the tone generator): the bounded queue, its
 * ordered publisher to JetStream, the source's half of isr_status, and its metrics.
 */
export class PcmOutlet {
  readonly status: CaptureStatusWriter;
  /** The metric labels of this source. */
  readonly labels: { source: string };
  private readonly publisher: OrderedPublisher;
  private readonly o: PcmOutletOptions;

  constructor(o: PcmOutletOptions) {
    this.o = o;
    const m = o.metrics;
    const labels = (this.labels = { source: o.source });
    for (const g of [m.up, m.drift, m.buffered]) g.set(labels, 0);
    for (const c of [m.frames, m.chunks, m.dropped, m.restarts, m.overruns]) c.inc(labels, 0);
    this.status = new CaptureStatusWriter(
      o.statusKv,
      o.source,
      'capture-alsa',
      o.log,
      {
        format: AudioFormats.pcm,
        codec: AudioCodecs.pcmS16le,
        sampleRate: o.sampleRate,
        channels: o.channels,
      },
      o.now,
    );
    let lastStatusChunk = 0;
    this.publisher = new OrderedPublisher({
      js: o.js,
      log: o.log,
      bufferSeconds: o.bufferSeconds,
      fence: o.fence,
      now: o.now,
      onPublished: (meta) => {
        m.chunks.inc(labels);
        const t = o.now();
        if (t - lastStatusChunk >= 2000 && this.status.state === CaptureStates.recording) {
          lastStatusChunk = t;
          this.status.update({
            lastChunk: new Date(
              timeOfFrame(meta.offset + meta.frames, meta.sessionStartMs, meta.sampleRate),
            ).toISOString(),
          });
        }
      },
      onDropped: (dropped) =>
        m.dropped.inc(
          labels,
          dropped.reduce((n, d) => n + d.frames, 0),
        ),
      onBuffered: (seconds) => m.buffered.set(labels, seconds),
    });
  }

  /** Queues a chunk of `session` for JetStream; when the buffer overflows, the oldest audio is dropped and counted. */
  push(session: PcmSession, c: PcmChunk): void {
    const { o } = this;
    o.metrics.frames.inc(this.labels, c.frames);
    this.publisher.push({
      kind: 'audio',
      meta: {
        source: o.source,
        format: AudioFormats.pcm,
        codec: AudioCodecs.pcmS16le,
        sampleRate: o.sampleRate,
        channels: o.channels,
        session: session.id,
        sessionStartMs: session.sessionStartMs,
        offset: c.offset,
        frames: c.frames,
      },
      data: c.data,
    });
  }

  /**
   * Publishes what is queued (bounded by `timeoutMs`), then writes the final status. With `lost` (the lease is
   * another instance's now) nothing more is written: the queue is dropped and the status left to the new holder.
   */
  async close(timeoutMs: number, message: string, lost = false): Promise<void> {
    if (lost) {
      this.status.detach();
      await this.publisher.close(0);
      this.o.metrics.up.set(this.labels, 0);
      return;
    }
    await this.publisher.close(Math.max(500, timeoutMs - 3000));
    this.status.update({ state: CaptureStates.stopped, message });
    this.o.metrics.up.set(this.labels, 0);
    await this.status.settle(2000);
  }
}
