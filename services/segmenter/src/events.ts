import {
  encodeJson,
  Subjects,
  type SegmentClosedEvent,
  type SegmentDeletedEvent,
  type SegmentOpenedEvent,
} from '@isr/contract';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';

/**
 * How long an event is retried before it is given up (logged at error). Web and analyzer learn of a file only from
 * its events, so a NATS node restarting or a leader moving must not lose one; the segmenter's own progress waits
 * meanwhile (nothing is lost: the audio stays in JetStream), but a bus gone for longer must not stall it forever.
 */
const RETRY_FOR_MS = 120_000;

/**
 * Publishes segment events to ISR_EVENTS with a Nats-Msg-Id, so a replay after a crash, or a retry of a publish
 * whose acknowledgement was lost, is deduplicated.
 */
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
    const data = encodeJson(body);
    const started = Date.now();
    for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5000)) {
      try {
        await this.#js.publish(subject, data, { msgID, timeout: 10_000 });
        if (attempt > 1)
          this.#log.info({ subject, msgID, attempts: attempt }, 'segment event published after retrying');
        return;
      } catch (err) {
        if (Date.now() - started >= RETRY_FOR_MS) {
          this.#log.error({ err, subject, msgID, attempts: attempt }, 'could not publish segment event: given up');
          return;
        }
        if (attempt === 1) this.#log.warn({ err, subject, msgID }, 'could not publish segment event; retrying');
        await sleep(delay);
      }
    }
  }
}
