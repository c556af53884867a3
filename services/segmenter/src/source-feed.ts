import { StreamNames } from '@isr/contract';
import { stallOf } from '@isr/runtime';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { createSourceConsumer } from './consumer.ts';

export interface SourceFeedOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  source: string;
  /** The owner's consumer (consumer.ts), already created. */
  consumer: string;
  log: Logger;
  /** Handles one message; resolves when the next may be taken (the segmenter's in-flight bound). */
  dispatch(m: JsMsg): void | Promise<void>;
  /** Whether this process still holds the source's lease. */
  holding(): boolean;
  /** The first stream sequence of the source not durably written (null: everything delivered is). */
  resumeSeq(): number | null;
  /** The consumer keeps disappearing: the segmenter cannot consume any more. */
  onFatal(err: unknown): void;
  now: () => number;
}

/**
 * Pulls one source's chunks from its owner consumer. When the consumer disappears (deleted by hand, lost with
 * a server's store) while the lease is still held, it is made again at the first chunk not durably written —
 * five times in a minute is fatal; when the lease is gone too, a new owner deleted it and the feed just ends.
 */
export class SourceFeed {
  readonly #o: SourceFeedOptions;
  #messages: ConsumerMessages | null = null;
  #stopping = false;
  #loop: Promise<void> | null = null;
  /** Highest stream sequence delivered: everything after it was never seen. */
  #maxDelivered = 0;
  /** The consumer's delivery sequence of the last message this feed took (0: none from this consumer yet). */
  #lastDelivery = 0;
  readonly #recreated: number[] = [];

  constructor(o: SourceFeedOptions) {
    this.#o = o;
  }

  async #consume(): Promise<ConsumerMessages> {
    // Missing consumer = an error out of the iterator (not endless silent retries): it is re-created below.
    // Heartbeats every 5 s: a consumer deleted before the first pull reached it is noticed in seconds, not 60.
    // A pull asks for 256 KiB at most (~13 chunks of 48 kHz stereo PCM). With 512 messages a source, a segmenter
    // catching up 100 sources asked nats-server for ~1 GB at once and was disconnected, the deliveries in flight
    // lost (SourceWriter fills such holes from the stream); with 1 MiB and 512 KiB it still was, with 256 KiB
    // not (bench/segmenter-catchup.ts).
    return (await this.#o.js.consumers.get(StreamNames.audio, this.#o.consumer)).consume({
      max_bytes: 256 * 1024,
      abort_on_missing_resource: true,
      idle_heartbeat: 5000,
    });
  }

  async start(): Promise<void> {
    this.#messages = await this.#consume();
    this.#loop = this.#run().catch((err: unknown) => {
      this.#o.log.error({ err }, 'consumer loop died');
      if (!this.#stopping) this.#o.onFatal(err);
    });
  }

  async #run(): Promise<void> {
    const o = this.#o;
    for (;;) {
      let ended: unknown = null;
      try {
        for await (const m of this.#messages!) {
          if (m.seq > this.#maxDelivered) this.#maxDelivered = m.seq;
          this.#lastDelivery = m.info.deliverySequence;
          await o.dispatch(m);
        }
      } catch (err) {
        ended = err;
      }
      if (this.#stopping) return;
      if (!o.holding()) {
        o.log.warn(
          { err: ended, consumer: o.consumer },
          'the consumer is gone and so is the lease: another segmenter writes this source now',
        );
        return;
      }
      const nowMs = o.now();
      while (this.#recreated.length && this.#recreated[0]! < nowMs - 60_000) this.#recreated.shift();
      if (this.#recreated.length >= 5)
        throw new Error(`the consumer of ${o.source} keeps disappearing (5 times in a minute)`, { cause: ended });
      this.#recreated.push(nowMs);
      const start = Math.min(this.#maxDelivered + 1, o.resumeSeq() ?? Infinity);
      o.log.error(
        { err: ended, start, consumer: o.consumer },
        'the consumer is gone or stopped delivering; re-creating it at the first chunk not yet written',
      );
      await this.#messages!.close().catch(() => undefined);
      await createSourceConsumer(o.jsm, o.source, o.consumer, start, [], o.log);
      this.#lastDelivery = 0;
      this.#messages = await this.#consume();
    }
  }

  /** The consumer's figures for the metrics (null when it cannot be asked). */
  info(): Promise<{ pending: number; ackPending: number } | null> {
    return this.#o.jsm.consumers.info(StreamNames.audio, this.#o.consumer).then(
      (ci) => ({ pending: ci.num_pending, ackPending: ci.num_ack_pending }),
      () => null,
    );
  }

  /**
   * Whether chunks of the source are still on their way (true too when the consumer cannot be asked): waiting in
   * the stream undelivered, or delivered after the last delivery this feed took — handed to a pull whose answer
   * never arrived (routed through a NATS node that died), they come again after ack_wait. The chunks this feed
   * took and the writer acknowledges only at its next commit do not count: they are not on their way. The same
   * reading of a consumer's info as followStream's watchdog (stallOf); the consumer's delivered stream sequence
   * would not do: it moves past other sources' chunks it passes over.
   */
  audioWaiting(): Promise<boolean> {
    return this.#o.jsm.consumers.info(StreamNames.audio, this.#o.consumer).then(
      (ci) => stallOf(ci, this.#lastDelivery) !== null,
      () => true,
    );
  }

  async close(): Promise<void> {
    this.#stopping = true;
    await this.#messages?.close().catch(() => undefined);
    await this.#loop;
  }
}
