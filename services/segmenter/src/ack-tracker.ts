import type { JsMsg } from '@nats-io/jetstream';

/** Where a source's audio is durably in files: everything of `session` before `offset` (and older sessions). */
export interface DurablePosition {
  session: string | null;
  sessionStartMs: number;
  offset: number;
}

interface PendingAck {
  msg: JsMsg;
  session: string;
  sessionStartMs: number;
  start: number;
  end: number;
}

const REDELIVERY_DELAY_MS = 1000;
/** After a write failure, how long later chunks are given back while waiting for the failed one. */
const REDELIVERY_WAIT_MS = 60_000;

/**
 * The messages of one source that are written but not yet acknowledged, and which of them a durable
 * position covers. After a write failure it gives back (naks) what is not durable and holds back later
 * chunks until the first of them is redelivered, so JetStream's redelivery order cannot turn into a hole.
 */
export class AckTracker {
  #pending: PendingAck[] = [];
  #awaiting: { since: number; session: string; sessionStartMs: number; offset: number } | null = null;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  get count(): number {
    return this.#pending.length;
  }

  get recovering(): boolean {
    return this.#awaiting !== null;
  }

  add(msg: JsMsg, session: string, sessionStartMs: number, start: number, end: number): void {
    this.#pending.push({ msg, session, sessionStartMs, start, end });
  }

  /** Acknowledges every message the durable position covers (older sessions included). */
  ackCovered(d: DurablePosition): void {
    const keep: PendingAck[] = [];
    for (const p of this.#pending) {
      if (p.session !== d.session || p.end <= d.offset) p.msg.ack();
      else keep.push(p);
    }
    this.#pending = keep;
  }

  /** A write failed: nak what the durable position does not cover and start waiting for its redelivery. */
  giveBack(d: DurablePosition): void {
    const keep: PendingAck[] = [];
    let first: PendingAck | null = null;
    for (const p of this.#pending) {
      if (d.session !== null && (p.session !== d.session || p.end <= d.offset)) keep.push(p);
      else {
        p.msg.nak(REDELIVERY_DELAY_MS);
        first ??= p;
      }
    }
    this.#pending = keep;
    const since = this.#awaiting?.since ?? this.#now();
    if (d.session) this.#awaiting = { since, session: d.session, sessionStartMs: d.sessionStartMs, offset: d.offset };
    else if (first) this.#awaiting = { since, session: first.session, sessionStartMs: first.sessionStartMs, offset: first.start };
  }

  /**
   * While waiting after a failure: true (and the message nak-ed) when this chunk comes before the one that
   * continues the durable position. Returns 'resumed' when it is that chunk, 'expired' when the wait is over.
   */
  holdBack(msg: JsMsg, session: string, sessionStartMs: number, start: number, end: number): 'hold' | 'resumed' | 'expired' | 'go' {
    const a = this.#awaiting;
    if (!a) return 'go';
    if (this.#now() - a.since > REDELIVERY_WAIT_MS) {
      this.#awaiting = null;
      return 'expired';
    }
    if (session === a.session && start <= a.offset && end > a.offset) {
      this.#awaiting = null;
      return 'resumed';
    }
    const old = (session === a.session && end <= a.offset) || sessionStartMs < a.sessionStartMs;
    if (old) return 'go';
    msg.nak(REDELIVERY_DELAY_MS);
    return 'hold';
  }
}
