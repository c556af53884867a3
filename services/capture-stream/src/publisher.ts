import { LeaseHeader } from '@isr/contract';
import type { JetStreamClient, KV, LeaseFence, MsgHdrs } from '@isr/runtime';
import type { Logger } from 'pino';
import type { CaptureMetrics } from './metrics.ts';

export type Outgoing =
  | { kind: 'audio'; subject: string; data: Uint8Array; headers: MsgHdrs; msgID: string; seconds: number }
  | { kind: 'codec'; key: string; value: string }
  | { kind: 'event'; subject: string; data: Uint8Array; msgID: string };

export interface PublisherOptions {
  source: string;
  js: JetStreamClient;
  codecKv: KV;
  log: Logger;
  metrics: CaptureMetrics;
  /** Seconds of audio kept while NATS does not acknowledge; beyond it the oldest chunk is dropped and counted. */
  bufferSeconds: number;
  /** The source's lease: checked before each send (nothing is sent while it is not valid); its token goes on every chunk. */
  fence?: LeaseFence;
}

/** Wait before retrying the head after a failed publish, and the publish acknowledgement timeout. */
const RETRY_MS = 500;
const PUBLISH_TIMEOUT_MS = 5000;

/**
 * Publishes one source's messages strictly in order (codec init before the chunks that need it), one at a
 * time, retrying the head until JetStream acknowledges it. While NATS is away the queue is the bounded buffer;
 * a re-sent chunk carries the same Nats-Msg-Id, so JetStream drops the copy if the first attempt did land.
 */
export class BufferedPublisher {
  private readonly o: PublisherOptions;
  private readonly queue: Outgoing[] = [];
  private queuedSeconds = 0;
  private running: Promise<void> | null = null;
  private closed = false;
  private failingSince: number | null = null;
  private wake: (() => void) | null = null;

  constructor(opts: PublisherOptions) {
    this.o = opts;
    const labels = { source: opts.source };
    opts.metrics.bufferDropped.inc(labels, 0);
    opts.metrics.chunksPublished.inc(labels, 0);
    opts.metrics.bufferedSeconds.set(labels, 0);
  }

  get bufferedSeconds(): number {
    return this.queuedSeconds;
  }

  enqueue(item: Outgoing): void {
    this.queue.push(item);
    if (item.kind === 'audio') this.queuedSeconds += item.seconds;
    while (this.queuedSeconds > this.o.bufferSeconds) {
      // Keep the head (it may be in flight) and every codec/event item; drop the oldest audio after it.
      const i = this.queue.findIndex((q, idx) => idx > 0 && q.kind === 'audio');
      if (i < 0) break;
      const [dropped] = this.queue.splice(i, 1);
      if (dropped?.kind === 'audio') this.queuedSeconds -= dropped.seconds;
      this.o.metrics.bufferDropped.inc({ source: this.o.source });
    }
    this.o.metrics.bufferedSeconds.set({ source: this.o.source }, this.queuedSeconds);
    this.running ??= this.loop().finally(() => (this.running = null));
  }

  /** Waits until everything queued is acknowledged, or the time runs out; then stops retrying. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.closed = true;
    this.wake?.();
    await this.running;
    if (this.queue.length) this.o.log.warn({ source: this.o.source, unsent: this.queue.length }, 'stopping with unpublished chunks');
  }

  private async send(item: Outgoing): Promise<void> {
    const { js, codecKv, fence } = this.o;
    if (item.kind === 'audio') {
      if (fence) item.headers.set(LeaseHeader, String(fence.token));
      await js.publish(item.subject, item.data, { headers: item.headers, msgID: item.msgID, timeout: PUBLISH_TIMEOUT_MS });
      this.o.metrics.chunksPublished.inc({ source: this.o.source });
    } else if (item.kind === 'event') await js.publish(item.subject, item.data, { msgID: item.msgID, timeout: PUBLISH_TIMEOUT_MS });
    else await codecKv.put(item.key, item.value);
  }

  private async loop(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const item = this.queue[0]!;
      if (this.o.fence && !this.o.fence.valid()) {
        // Not (or no longer surely) the lease holder: hold the queue until the lease is renewed or lost.
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          this.wake = () => { clearTimeout(t); r(); };
        });
        this.wake = null;
        continue;
      }
      try {
        await this.send(item);
        if (this.failingSince !== null) {
          this.o.log.info({ source: this.o.source, outageMs: Date.now() - this.failingSince, backlog: this.queue.length - 1 }, 'NATS acknowledges again: publishing the buffered chunks');
          this.failingSince = null;
        }
        // The head may have been dropped meanwhile only if it was not index 0; index 0 is never dropped.
        this.queue.shift();
        if (item.kind === 'audio') this.queuedSeconds -= item.seconds;
        this.o.metrics.bufferedSeconds.set({ source: this.o.source }, Math.max(0, this.queuedSeconds));
      } catch (err) {
        if (this.failingSince === null) {
          this.failingSince = Date.now();
          this.o.log.warn({ source: this.o.source, err }, `publishing to NATS failed: buffering up to ${this.o.bufferSeconds} s of audio`);
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, RETRY_MS);
          this.wake = () => { clearTimeout(t); r(); };
        });
        this.wake = null;
      }
    }
  }
}
