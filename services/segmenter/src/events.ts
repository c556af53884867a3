import { encodeJson, Subjects, type SegmentClosedEvent, type SegmentDeletedEvent, type SegmentOpenedEvent } from '@isr/contract';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';

/** Publishes segment events to ISR_EVENTS with a Nats-Msg-Id so a replay after a crash is deduplicated. */
export class SegmentEvents {
  readonly #js: JetStreamClient;
  readonly #log: Logger;

  constructor(js: JetStreamClient, log: Logger) {
    this.#js = js;
    this.#log = log;
  }

  async opened(e: SegmentOpenedEvent): Promise<void> {
    await this.#publish(Subjects.segmentOpened(e.source), e, `opened:${e.path}`);
  }

  /** Called for every file closed, after its event is published (retention indexes it). */
  onClosed: ((e: SegmentClosedEvent) => void) | null = null;

  async closed(e: SegmentClosedEvent): Promise<void> {
    await this.#publish(Subjects.segmentClosed(e.source), e, `closed:${e.path}`);
    this.onClosed?.(e);
  }

  async deleted(e: SegmentDeletedEvent): Promise<void> {
    await this.#publish(Subjects.segmentDeleted(e.source), e, `deleted:${e.path}:${e.deletedAt}`);
  }

  async #publish(subject: string, body: unknown, msgID: string): Promise<void> {
    try {
      await this.#js.publish(subject, encodeJson(body), { msgID, timeout: 10_000 });
    } catch (err) {
      this.#log.error({ err, subject }, 'could not publish segment event');
    }
  }
}
