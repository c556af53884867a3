import { AudioCodecs, AudioFormats, CaptureStates, timeOfFrame } from '@isr/contract';
import { CaptureStatusWriter, type JetStreamClient, type KV, type LeaseFence } from '@isr/runtime';
import type { Logger } from 'pino';
import { ChunkQueue, type SessionCounter } from './chunk-queue.ts';
import type { CaptureMetrics } from './metrics.ts';
import { ChunkPublisher } from './publisher.ts';

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
  private readonly queue: ChunkQueue;
  private readonly publisher: ChunkPublisher;
  private readonly frameBytes: number;
  private droppedLogged = 0;
  private readonly o: PcmOutletOptions;

  constructor(o: PcmOutletOptions) {
    this.o = o;
    this.frameBytes = o.channels * 2;
    this.queue = new ChunkQueue(Math.max(1, Math.round(o.bufferSeconds * o.sampleRate)) * this.frameBytes);
    const m = o.metrics;
    const labels = (this.labels = { source: o.source });
    for (const g of [m.up, m.drift, m.buffered]) g.set(labels, 0);
    for (const c of [m.frames, m.chunks, m.dropped, m.restarts, m.overruns]) c.inc(labels, 0);
    this.status = new CaptureStatusWriter(o.statusKv, o.source, 'capture-alsa', o.log, {
      format: AudioFormats.pcm,
      codec: AudioCodecs.pcmS16le,
      sampleRate: o.sampleRate,
      channels: o.channels,
    }, o.now);
    let lastStatusChunk = 0;
    this.publisher = new ChunkPublisher({
      js: o.js,
      queue: this.queue,
      log: o.log,
      source: o.source,
      sampleRate: o.sampleRate,
      channels: o.channels,
      fence: o.fence,
      onPublished: (c, meta) => {
        m.chunks.inc(labels);
        this.updateBuffered();
        const t = o.now();
        if (t - lastStatusChunk >= 2000 && this.status.state === CaptureStates.recording) {
          lastStatusChunk = t;
          this.status.update({ lastChunk: new Date(timeOfFrame(c.offset + c.frames, meta.sessionStartMs, meta.sampleRate)).toISOString() });
        }
      },
    });
  }

  start(): void {
    this.publisher.start();
  }

  /** Queues a chunk of `session` for JetStream; when the buffer overflows, the oldest audio is dropped and counted. */
  push(session: SessionCounter, c: PcmChunk, log: Logger): void {
    const m = this.o.metrics;
    m.frames.inc(this.labels, c.frames);
    const dropped = this.queue.push({ session, ...c });
    if (dropped.length) {
      const frames = dropped.reduce((n, d) => n + d.frames, 0);
      m.dropped.inc(this.labels, frames);
      const t = this.o.now();
      if (t - this.droppedLogged > 10_000) {
        this.droppedLogged = t;
        log.error({ droppedFrames: frames, bufferSeconds: this.o.bufferSeconds }, 'NATS unreachable for longer than buffer_seconds: dropping the oldest audio');
      }
    }
    this.updateBuffered();
    this.publisher.wake();
  }

  /** Seconds of audio waiting in the queue, as the buffered gauge. */
  private updateBuffered(): void {
    this.o.metrics.buffered.set(this.labels, this.queue.bytes / this.frameBytes / this.o.sampleRate);
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
