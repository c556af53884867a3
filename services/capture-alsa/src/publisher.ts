import { AudioCodecs, AudioFormats, encodeAudioHeaders, LeaseHeader, Subjects, type AudioChunkMeta } from '@isr/contract';
import { settleWithin, toHeaders, type JetStreamClient, type LeaseFence } from '@isr/runtime';
import type { Logger } from 'pino';
import type { ChunkQueue, QueuedChunk } from './chunk-queue.ts';

export interface PublisherOptions {
  js: JetStreamClient;
  queue: ChunkQueue;
  log: Logger;
  source: string;
  sampleRate: number;
  channels: number;
  /** How long to wait for a PubAck before trying the same chunk again. */
  ackTimeoutMs?: number;
  /** Pause between attempts while NATS does not answer. */
  retryMs?: number;
  onPublished?(chunk: QueuedChunk, meta: AudioChunkMeta): void;
  /** The source's lease: checked before each publish (nothing is sent while it is not valid); its token goes on every chunk. */
  fence?: LeaseFence;
}

/** The headers of a queued chunk (format pcm, codec pcm_s16le; Nats-Msg-Id from session and seq). */
function chunkMeta(c: QueuedChunk & { seq: number }, source: string, sampleRate: number, channels: number): AudioChunkMeta {
  return {
    source,
    format: AudioFormats.pcm,
    codec: AudioCodecs.pcmS16le,
    sampleRate,
    channels,
    session: c.session.id,
    sessionStartMs: c.session.sessionStartMs,
    seq: c.seq,
    offset: c.offset,
    frames: c.frames,
  };
}

/**
 * Publishes a source's queue to JetStream in order, one chunk at a time, acknowledged before the next.
 * A chunk that gets no PubAck is sent again with the same Nats-Msg-Id (JetStream drops the duplicate),
 * so nothing is lost while NATS is away except what the queue's byte budget drops.
 */
export class ChunkPublisher {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private failing = false;
  private fenced = false;

  private readonly opts: PublisherOptions;

  constructor(opts: PublisherOptions) {
    this.opts = opts;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New chunk queued. */
  wake(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const { queue, js, log } = this.opts;
    const subject = Subjects.audio(this.opts.source);
    while (!this.stopped) {
      const c = queue.peek();
      if (!c) {
        await new Promise<void>((r) => (this.wakeUp = r));
        this.wakeUp = null;
        continue;
      }
      const fence = this.opts.fence;
      if (fence && !fence.valid()) {
        // Not (or no longer surely) the lease holder: hold the queue until the lease is renewed or lost.
        if (!this.fenced) log.warn({ queued: queue.length }, 'lease not confirmed: holding audio until it is renewed');
        this.fenced = true;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.fenced) log.info({ queued: queue.length }, 'lease confirmed: publishing again');
      this.fenced = false;
      c.seq ??= ++c.session.lastSeq;
      const meta = chunkMeta(c as QueuedChunk & { seq: number }, this.opts.source, this.opts.sampleRate, this.opts.channels);
      try {
        const headers = toHeaders(encodeAudioHeaders(meta));
        if (fence) headers.set(LeaseHeader, String(fence.token));
        await js.publish(subject, c.data, { headers, timeout: this.opts.ackTimeoutMs ?? 5000 });
        if (this.failing) log.info({ queued: queue.length }, 'publishing to NATS again');
        this.failing = false;
        queue.shift();
        this.opts.onPublished?.(c, meta);
      } catch (err) {
        if (!this.failing) log.warn({ err, queued: queue.length }, 'cannot publish audio to NATS; buffering and retrying');
        this.failing = true;
        if (this.stopped) break;
        await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 500));
      }
    }
  }

  /** Publishes what is queued (up to `timeoutMs`), then stops. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.opts.queue.length > 0 && !this.failing && !this.fenced && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.stopped = true;
    this.wakeUp?.();
    await settleWithin(this.loop, deadline - Date.now());
  }
}
