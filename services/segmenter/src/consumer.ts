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
export async function ensureSegmenterConsumer(jsm: JetStreamManager, log: Logger): Promise<void> {
  const base: Partial<ConsumerConfig> = {
    durable_name: ConsumerNames.segmenter,
    description: 'ISR segmenter: writes audio chunks into split files',
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ACK_WAIT_MS),
    max_ack_pending: MAX_ACK_PENDING,
    max_deliver: -1,
    filter_subject: Subjects.audioAll,
  };
  let info;
  try {
    info = await jsm.consumers.info(StreamNames.audio, ConsumerNames.segmenter);
  } catch {
    info = null;
  }
  if (!info) {
    await jsm.consumers.add(StreamNames.audio, { ...base, deliver_policy: DeliverPolicy.All });
    log.info('created durable consumer');
    return;
  }
  if (info.num_ack_pending > 0 || info.num_redelivered > 0) {
    const start = info.ack_floor.stream_seq + 1;
    await jsm.consumers.delete(StreamNames.audio, ConsumerNames.segmenter);
    await jsm.consumers.add(StreamNames.audio, { ...base, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start });
    log.info({ start, unacknowledged: info.num_ack_pending }, 're-created the consumer at its ack floor to replay unacknowledged chunks in order');
  }
}
