import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeliverPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';

export interface FollowOptions {
  js: JetStreamClient;
  stream: string;
  filterSubjects?: string[];
  log: Logger;
  /** Handles one message; the next is delivered after it resolves. */
  onMessage(m: JsMsg): Promise<void> | void;
  /** Re-create the consumer when it is stalled (`stallOf`) and delivered nothing for this long (default 5000 ms). */
  stallMs?: number;
  /** How often the watchdog looks (default 1000 ms). */
  checkMs?: number;
}

export interface Follower {
  /** Resolves once everything the stream held at the start has been handled. */
  caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** Why a consumer that delivered nothing for `stallMs` is re-created. */
export const StallReasons = {
  /** Its info cannot be read: the consumer is gone (its node died) or JetStream does not answer. */
  gone: 'gone',
  /** It holds messages for us and does not send them. */
  pending: 'pending',
  /** It sent messages that never arrived: they went into a connection that broke (its node died). */
  lost: 'lost',
} as const;
export type StallReason = (typeof StallReasons)[keyof typeof StallReasons];

/**
 * Whether an idle consumer is stalled, from its info (null: could not be read) and the delivery sequence of the last
 * message received from it (0: none). A consumer that delivered more than arrived lost them in a broken connection:
 * nats.js only notices such a gap when a later message comes, which may be never.
 */
export function stallOf(ci: ConsumerInfo | null, received: number): StallReason | null {
  if (!ci) return StallReasons.gone;
  if (ci.num_pending > 0) return StallReasons.pending;
  if (ci.delivered.consumer_seq > received) return StallReasons.lost;
  return null;
}

/**
 * Follows a stream from its start with an ordered consumer, and keeps following when the node holding the
 * consumer dies: nats.js re-creates an ordered consumer itself in many cases, but on a cluster we saw it stall
 * for good after the consumer's node was SIGKILLed (test/cluster/consumers-node-loss.test.ts), and lose the last
 * messages delivered into the connection to a SIGKILLed node. A watchdog asks the server for the consumer's info;
 * when none arrived for `stallMs` and the consumer is stalled (`stallOf`), or when the iterator ended, a new ordered
 * consumer starts right after the last handled sequence.
 */
export function followStream(o: FollowOptions): Follower {
  const stallMs = o.stallMs ?? 5000;
  let lastSeq = 0;
  let lastProgress = Date.now();
  let stopped = false;
  let iter: ConsumerMessages | null = null;
  let markCaughtUp: () => void = () => {};
  const caughtUp = new Promise<void>((r) => (markCaughtUp = r));
  const stopping = new AbortController();

  const run = async () => {
    while (!stopped) {
      let watchdog: NodeJS.Timeout | null = null;
      try {
        const c = await o.js.consumers.get(o.stream, {
          ...(o.filterSubjects ? { filter_subjects: o.filterSubjects } : {}),
          ...(lastSeq > 0
            ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }
            : { deliver_policy: DeliverPolicy.All }),
        });
        // Short pulls: missing heartbeats (every 2.5 s) make nats.js pull again from the node it reconnected to.
        const messages = await c.consume({ expires: 5000 });
        iter = messages;
        if (((await c.info(true).catch(() => null))?.num_pending ?? 0) === 0) markCaughtUp();
        lastProgress = Date.now();
        // The last message received: from which consumer (nats.js re-creates its ordered consumer under a new name,
        // whose delivery sequence starts again at 1) and its delivery sequence.
        let received = { consumer: '', seq: 0 };
        let checking = false;
        watchdog = setInterval(() => {
          if (checking || Date.now() - lastProgress < stallMs) return;
          checking = true;
          void c
            .info()
            .then(
              (ci) => stallOf(ci, ci.name === received.consumer ? received.seq : 0),
              () => stallOf(null, 0),
            )
            .then((reason) => {
              checking = false;
              if (reason && Date.now() - lastProgress >= stallMs && !stopped) {
                o.log.warn(
                  { stream: o.stream, afterSeq: lastSeq, reason },
                  'ordered consumer stalled (its node lost?): re-creating it after the last message handled',
                );
                messages.stop();
              }
            });
        }, o.checkMs ?? 1000);
        for await (const m of messages) {
          lastProgress = Date.now();
          received = { consumer: m.info.consumer, seq: m.info.deliverySequence };
          await o.onMessage(m);
          lastSeq = m.seq;
          lastProgress = Date.now();
          if (m.info.pending === 0) markCaughtUp();
        }
      } catch (err) {
        if (!stopped) o.log.warn({ err, stream: o.stream }, 'following the stream failed; retrying');
      } finally {
        if (watchdog) clearInterval(watchdog);
      }
      if (stopped) break;
      await sleep(500, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  };
  const loop = run();
  return {
    caughtUp,
    async stop() {
      stopped = true;
      iter?.stop();
      stopping.abort();
      await loop;
    },
  };
}
