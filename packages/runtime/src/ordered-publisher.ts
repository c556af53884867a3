import { setTimeout as sleep } from 'node:timers/promises';
import { audioMsgId, encodeAudioHeaders, LeaseHeader, Subjects, type AudioChunkMeta } from '@isr/contract';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { toHeaders } from './bus.ts';
import type { LeaseFence } from './leased-work.ts';
import { PublishQueue, type PublishItem, type UnsentChunkMeta } from './publish-queue.ts';
import { settleWithin } from './shutdown.ts';

export interface OrderedPublisherOptions {
  js: JetStreamClient;
  /** The source's logger. */
  log: Logger;
  /** Seconds of audio kept while JetStream does not acknowledge; beyond it the oldest unsent chunk is dropped. */
  bufferSeconds: number;
  /** The source's lease: checked before each send (nothing is sent while it is not valid); its token goes on every chunk. */
  fence?: LeaseFence;
  /**
   * How long to wait for a PubAck before sending the same message again (default 2000 ms). A PubAck is lost when
   * the node leading the stream dies after the publish reached it; everything queued waits behind the head
   * meanwhile, so this is how late audio comes after a node loss. A copy of a publish that did land is dropped
   * by its Nats-Msg-Id, so a short wait costs nothing but a resend.
   */
  ackTimeoutMs?: number;
  /** Pause between attempts while NATS does not answer (default 500 ms). */
  retryMs?: number;
  /** Told of each chunk JetStream acknowledged, with the headers it carried. */
  onPublished?(meta: AudioChunkMeta): void;
  /** Told of the chunks dropped at the bound, oldest first. */
  onDropped?(dropped: readonly UnsentChunkMeta[]): void;
  /** Told the seconds of audio waiting whenever they change. */
  onBuffered?(seconds: number): void;
  /** Wall clock, epoch ms (default Date.now). */
  now?: () => number;
}

/** At most one drop message in this long: an outage drops a chunk every chunk_ms. */
const DROP_LOG_MS = 10_000;

/**
 * Publishes one source's audio, metadata events and codec-init KV puts strictly in the order they were queued,
 * one at a time, retrying the head until it is acknowledged; both captures use it.
 *
 * The rule: while NATS is away the queue holds `bufferSeconds` of audio; beyond it the oldest chunk not yet sent
 * is dropped and counted. A chunk's `Isr-Seq` is given when it is first sent, so the sequence of a session has no
 * holes (the bus contract) and a drop shows where it belongs: as a jump of `Isr-Offset`, which the segmenter
 * records as a `discontinuity` gap of exactly the dropped samples. The chunk in flight keeps its seq, and so its
 * Nats-Msg-Id, on every retry: if an attempt that timed out did land, JetStream drops the copy.
 *
 * A session's chunks are queued together: once a chunk of a new session is sent, the previous session is over.
 */
export class OrderedPublisher {
  readonly #o: OrderedPublisherOptions;
  readonly #queue: PublishQueue;
  readonly #closing = new AbortController();
  readonly #now: () => number;
  #running: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #emptied: (() => void)[] = [];
  #session: string | null = null;
  #lastSeq = 0;
  #failingSince: number | null = null;
  #fenced = false;
  #dropLoggedAt = -Infinity;

  constructor(opts: OrderedPublisherOptions) {
    this.#o = opts;
    this.#queue = new PublishQueue(opts.bufferSeconds);
    this.#now = opts.now ?? Date.now;
  }

  /** Seconds of audio waiting to be acknowledged. */
  get bufferedSeconds(): number {
    return this.#queue.seconds;
  }

  /** Items waiting to be acknowledged (audio, messages and puts). */
  get length(): number {
    return this.#queue.length;
  }

  /** Queues an item behind everything queued before it. Ignored once the publisher is closed. */
  push(item: PublishItem): void {
    if (this.#closing.signal.aborted) return;
    const dropped = this.#queue.push(item);
    if (dropped.length) this.#dropped(dropped.map((d) => d.meta));
    this.#o.onBuffered?.(this.#queue.seconds);
    this.#running ??= this.#run();
    this.#wake?.();
  }

  /**
   * Waits until everything queued is acknowledged, `timeoutMs` at most; then stops (a publish still in flight is
   * abandoned). With 0 (the lease is lost) nothing more is sent.
   */
  async close(timeoutMs: number): Promise<void> {
    const deadline = this.#now() + timeoutMs;
    if (this.#queue.length && timeoutMs > 0)
      await settleWithin(new Promise<void>((r) => this.#emptied.push(r)), timeoutMs);
    this.#closing.abort();
    this.#wake?.();
    await settleWithin(this.#running, deadline - this.#now());
    if (this.#queue.length) {
      this.#o.log.warn(
        { unsent: this.#queue.length, unsentSeconds: this.#queue.seconds },
        'stopping with unpublished audio',
      );
    }
  }

  #dropped(metas: UnsentChunkMeta[]): void {
    this.#o.onDropped?.(metas);
    const t = this.#now();
    if (t - this.#dropLoggedAt < DROP_LOG_MS) return;
    this.#dropLoggedAt = t;
    const droppedFrames = metas.reduce((n, m) => n + m.frames, 0);
    this.#o.log.error(
      { droppedFrames, droppedChunks: metas.length, bufferSeconds: this.#o.bufferSeconds },
      'NATS unreachable for longer than buffer_seconds: dropping the oldest audio',
    );
  }

  async #run(): Promise<void> {
    const signal = this.#closing.signal;
    while (!signal.aborted) {
      const item = this.#queue.peek();
      if (!item) {
        for (const r of this.#emptied.splice(0)) r();
        await new Promise<void>((r) => (this.#wake = r));
        this.#wake = null;
        continue;
      }
      if (!this.#leaseHeld()) {
        await this.#pause(100);
        continue;
      }
      try {
        const meta = await this.#send(item);
        this.#recovered();
        this.#queue.shift();
        if (meta) this.#o.onPublished?.(meta);
        this.#o.onBuffered?.(this.#queue.seconds);
      } catch (err) {
        if (this.#failingSince === null) {
          this.#failingSince = this.#now();
          this.#o.log.warn(
            { err, queued: this.#queue.length },
            `cannot publish to NATS: buffering up to ${this.#o.bufferSeconds} s of audio and retrying`,
          );
        }
        await this.#pause(this.#o.retryMs ?? 500);
      }
    }
  }

  /** Sends the head; audio gets its seq on the first attempt and keeps it (and its Nats-Msg-Id) on every retry. */
  async #send(item: NonNullable<ReturnType<PublishQueue['peek']>>): Promise<AudioChunkMeta | null> {
    const { js, fence } = this.#o;
    const timeout = this.#o.ackTimeoutMs ?? 2000;
    switch (item.kind) {
      case 'audio': {
        const seq = (item.seq ??= this.#nextSeq(item.meta.session));
        const meta: AudioChunkMeta = { ...item.meta, seq };
        const headers = toHeaders(encodeAudioHeaders(meta));
        if (fence) headers.set(LeaseHeader, String(fence.token));
        await js.publish(Subjects.audio(meta.source), item.data, {
          headers,
          msgID: audioMsgId(meta.session, seq),
          timeout,
        });
        return meta;
      }
      case 'message':
        await js.publish(item.subject, item.data, { msgID: item.msgID, timeout });
        return null;
      case 'put':
        await item.kv.put(item.key, item.value);
        return null;
    }
  }

  #nextSeq(session: string): number {
    if (session !== this.#session) {
      this.#session = session;
      this.#lastSeq = 0;
    }
    return ++this.#lastSeq;
  }

  #leaseHeld(): boolean {
    const fence = this.#o.fence;
    if (!fence || fence.valid()) {
      if (this.#fenced) this.#o.log.info({ queued: this.#queue.length }, 'lease confirmed: publishing again');
      this.#fenced = false;
      return true;
    }
    // Not (or no longer surely) the lease holder: hold the queue until the lease is renewed or lost.
    if (!this.#fenced)
      this.#o.log.warn({ queued: this.#queue.length }, 'lease not confirmed: holding audio until it is renewed');
    this.#fenced = true;
    return false;
  }

  #recovered(): void {
    if (this.#failingSince === null) return;
    this.#o.log.info(
      { outageMs: this.#now() - this.#failingSince, backlog: this.#queue.length - 1 },
      'NATS acknowledges again: publishing the buffered audio',
    );
    this.#failingSince = null;
  }

  /** Sleeps, cut short by close(). */
  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#closing.signal }).catch(() => undefined);
  }
}
