import { ConsumerNames, StreamNames, Subjects } from '@isr/contract';
import { AckPolicy, DeliverPolicy, type ConsumerConfig, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Logger } from 'pino';

const ACK_WAIT_MS = 30_000;
const MAX_ACK_PENDING = 50_000;

/**
 * Makes sure the durable pull consumer exists. When a previous run left messages delivered but not
 * acknowledged (a crash), the consumer is re-created to start at its ack floor + 1, so the unacknowledged
 * messages come again first and in stream order (JetStream would otherwise redeliver them only after
 * ack_wait, behind newer ones). Messages past the floor that were acknowledged are skipped by the
 * per-source journals.
 */
const base = (): Partial<ConsumerConfig> => ({
  durable_name: ConsumerNames.segmenter,
  description: 'ISR segmenter: writes audio chunks into split files',
  ack_policy: AckPolicy.Explicit,
  ack_wait: nanos(ACK_WAIT_MS),
  max_ack_pending: MAX_ACK_PENDING,
  max_deliver: -1,
  filter_subject: Subjects.audioAll,
});

export async function ensureSegmenterConsumer(jsm: JetStreamManager, log: Logger, replayFrom: number | null = null): Promise<void> {
  let info;
  try {
    info = await jsm.consumers.info(StreamNames.audio, ConsumerNames.segmenter);
  } catch {
    info = null;
  }
  if (!info) {
    await jsm.consumers.add(StreamNames.audio, { ...base(), deliver_policy: DeliverPolicy.All });
    log.info('created durable consumer');
    return;
  }
  // `replayFrom`: an earlier start a journal rebuilt from disk needs (chunks acknowledged, still in the stream).
  const earlier = replayFrom !== null && replayFrom <= info.ack_floor.stream_seq;
  if (info.num_ack_pending > 0 || info.num_redelivered > 0 || earlier) {
    const start = Math.min(info.ack_floor.stream_seq + 1, replayFrom ?? Infinity);
    await jsm.consumers.delete(StreamNames.audio, ConsumerNames.segmenter);
    await jsm.consumers.add(StreamNames.audio, { ...base(), deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start });
    log.info({ start, unacknowledged: info.num_ack_pending }, 're-created the consumer at its ack floor to replay unacknowledged chunks in order');
  }
}

/**
 * The consumer disappeared under a running segmenter (deleted by hand, lost with the server's store): makes it
 * again at `startSeq`, the first chunk not durably written (what is already in files is skipped by offset).
 * A consumer that exists again meanwhile (another process made it) is replaced.
 */
export async function recreateSegmenterConsumer(jsm: JetStreamManager, log: Logger, startSeq: number): Promise<void> {
  await jsm.consumers.delete(StreamNames.audio, ConsumerNames.segmenter).catch(() => false);
  await jsm.consumers.add(StreamNames.audio, { ...base(), deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, startSeq) });
  log.warn({ start: startSeq }, 're-created the segmenter consumer');
}
