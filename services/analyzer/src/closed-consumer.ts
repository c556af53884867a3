import {
  ConsumerNames,
  ContractErrorCodes,
  parseJson,
  StreamNames,
  Subjects,
  type SegmentClosedEvent,
} from '@isr/contract';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { JetStreamManager } from '@isr/runtime';
import { nanos } from '@nats-io/transport-node';
import type { JobDeps } from './analysis-job.ts';
import { runAnalysisJob } from './analysis-job.ts';
import { alreadyAnalyzed } from './already-analyzed.ts';
import { AnalysisError } from './errors.ts';
import { resolveRecording } from './recording-path.ts';
import type { Limiter } from './limiter.ts';

/** How long JetStream waits for an ack before redelivering; a message being handled calls working() every third of it. */
const ACK_WAIT_MS = 60_000;
const MAX_DELIVER = 10;
const RETRY_DELAY_MS = 10_000;
/** How long one pull waits on the server (see startClosedConsumer). */
const PULL_EXPIRES_MS = 5000;

/** The shared durable pull consumer on ISR_EVENTS for isr.segment.closed.* (any number of replicas share it). */
async function ensureClosedConsumer(jsm: JetStreamManager): Promise<void> {
  const config = {
    durable_name: ConsumerNames.analyzer,
    filter_subject: Subjects.segmentClosedAll,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ACK_WAIT_MS),
    max_deliver: MAX_DELIVER,
    description: 'ISR analyzer: one analysis per closed segment',
  };
  try {
    await jsm.consumers.info(StreamNames.events, ConsumerNames.analyzer);
    await jsm.consumers.update(StreamNames.events, ConsumerNames.analyzer, {
      ack_wait: config.ack_wait,
      max_deliver: MAX_DELIVER,
      description: config.description,
    });
  } catch (err) {
    if (!/not found/i.test(String(err))) throw err;
    await jsm.consumers.add(StreamNames.events, config).catch(async (e: unknown) => {
      // Another replica created it at the same moment: fine.
      await jsm.consumers.info(StreamNames.events, ConsumerNames.analyzer).catch(() => {
        throw e;
      });
    });
  }
}

export interface ClosedConsumer {
  stop(): Promise<void>;
  /** Messages being analyzed right now. */
  inFlight(): number;
}

/**
 * Pulls closed-segment events and analyzes each file with bounded concurrency. Ack after the record is stored
 * (a bad file's error record counts: it is never retried); nak with a delay when the bus failed to store it;
 * term a message whose body is not a SegmentClosedEvent (counted as ISR_CONTRACT).
 */
export async function startClosedConsumer(
  deps: JobDeps & { jsm: JetStreamManager },
  limiter: Limiter,
  concurrency: number,
): Promise<ClosedConsumer> {
  await ensureClosedConsumer(deps.jsm);
  const consumer = await deps.js.consumers.get(StreamNames.events, ConsumerNames.analyzer);
  // Short pulls (heartbeat every 2.5 s): when the node serving the pull dies, nats.js notices the missing
  // heartbeats and pulls again from the node it reconnected to within seconds, not after the default 30 s.
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: Math.max(1, concurrency),
    expires: PULL_EXPIRES_MS,
  });
  const pending = new Set<Promise<void>>();
  const handle = async (msg: JsMsg): Promise<void> => {
    let event: SegmentClosedEvent;
    try {
      event = parseJson<SegmentClosedEvent>(msg.data, `${msg.subject} #${msg.seq}`);
      if (typeof event.path !== 'string' || typeof event.source !== 'string') throw new Error('no path/source');
    } catch (err) {
      deps.metrics.errors.inc({ code: ContractErrorCodes.contract });
      deps.log.error(
        { err, subject: msg.subject, seq: msg.seq },
        'closed-segment event is not a SegmentClosedEvent; terminated',
      );
      msg.term(); // no reason: nats-server 2.9 ignores '+TERM <reason>'
      return;
    }
    // Waiting for a slot (the start-up scan shares the limit) or analyzing a long file: keep the message ours.
    const keep = setInterval(() => msg.working(), ACK_WAIT_MS / 3);
    try {
      await limiter.run(async () => {
        if (await alreadyAnalyzed(deps, resolveRecording(deps.settings.outputDirectory, event.path), event.path)) {
          deps.log.debug({ path: event.path }, 'already analyzed (redelivery or replay); skipped');
          return;
        }
        await runAnalysisJob(deps, event.path, {
          trigger: 'event',
          source: event.source,
          ...(event.sha256 ? { sha256: event.sha256 } : {}),
        });
      });
      msg.ack();
    } catch (err) {
      if (err instanceof AnalysisError) {
        // A path that is not a recording path (e.g. leaves the root): nothing to retry.
        deps.metrics.errors.inc({ code: err.code });
        deps.log.error({ err, path: event.path }, 'closed-segment event names no analyzable path; terminated');
        msg.term();
        return;
      }
      deps.metrics.errors.inc({ code: 'BUS' });
      deps.log.error(
        { err, path: event.path, redelivery: msg.info.deliveryCount },
        'could not store the analysis; will retry',
      );
      msg.nak(RETRY_DELAY_MS);
    } finally {
      clearInterval(keep);
    }
  };
  const loop = (async () => {
    for await (const msg of messages) {
      // Keep at most `concurrency` analyses waiting for a slot: the iterator only pulls more when we come back.
      while (pending.size >= concurrency) await Promise.race(pending);
      const p = handle(msg).finally(() => pending.delete(p));
      pending.add(p);
    }
  })();
  return {
    inFlight: () => pending.size,
    async stop() {
      await messages.close();
      await loop.catch(() => undefined);
      await Promise.allSettled([...pending]);
    },
  };
}
