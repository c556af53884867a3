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

/**
 * The messages of one source that are written but not yet acknowledged, and which of them a durable
 * position covers. After a write failure it gives back (naks) what is not durable; the source writer then
 * reads the stream itself, in order, from `giveBack`'s sequence (see SourceWriter), so JetStream's
 * redelivery order never matters.
 */
export class AckTracker {
  #pending: PendingAck[] = [];

  get count(): number {
    return this.#pending.length;
  }

  /** Lowest stream sequence of the pending messages (null when none). */
  get lowestSeq(): number | null {
    let lowest: number | null = null;
    for (const p of this.#pending) lowest = lowest === null ? p.msg.seq : Math.min(lowest, p.msg.seq);
    return lowest;
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

  /**
   * A write failed: naks (with `delayMs`) what the durable position does not cover, keeps the rest for the
   * next commit. Returns the lowest stream sequence of all pending messages (null when none): reading the
   * stream again from there misses nothing (what is already written is skipped by its offset).
   */
  giveBack(d: DurablePosition, delayMs: number): number | null {
    const keep: PendingAck[] = [];
    const lowest = this.lowestSeq;
    for (const p of this.#pending) {
      if (d.session !== null && (p.session !== d.session || p.end <= d.offset)) keep.push(p);
      else p.msg.nak(delayMs);
    }
    this.#pending = keep;
    return lowest;
  }
}
