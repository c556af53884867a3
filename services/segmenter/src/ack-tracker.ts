import type { JsMsg } from '@nats-io/jetstream';

/** Where a source's audio is durably in files: everything of `session` before `offset` (and older sessions). */
export interface DurablePosition {
  session: string | null;
  sessionStartMs: number;
  offset: number;
}

interface PendingAck {
  msg: JsMsg;
  /** null: a poison chunk, nothing to write: settled (terminated) in its turn. */
  session: string | null;
  sessionStartMs: number;
  start: number;
  end: number;
}

const covers = (d: DurablePosition, p: PendingAck): boolean =>
  p.session === null || p.session !== d.session || p.end <= d.offset;

/**
 * The messages of one source that are written but not yet acknowledged, and which of them a durable
 * position covers. The source consumers acknowledge cumulatively (AckPolicy.All, consumer.ts): a commit sends
 * one ack, for the highest sequence of the run of covered messages from the lowest pending one — never past a
 * message that is not durable. After a write failure it gives back (naks) what is not durable; the source
 * writer then reads the stream itself, in order, from `giveBack`'s sequence (see SourceWriter), so JetStream's
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

  /**
   * A chunk that breaks the contract: terminated when it ends a commit's run, else acknowledged by the later ack
   * (terminating it at once would, cumulatively, acknowledge the chunks below it before they are durable).
   */
  addPoison(msg: JsMsg): void {
    this.#pending.push({ msg, session: null, sessionStartMs: 0, start: 0, end: 0 });
  }

  /** Acknowledges every message the durable position covers (older sessions included) up to the first it does not. */
  ackCovered(d: DurablePosition): void {
    const bySeq = this.#pending.sort((a, b) => a.msg.seq - b.msg.seq);
    let run = 0;
    while (run < bySeq.length && covers(d, bySeq[run]!)) run++;
    if (run === 0) return;
    const last = bySeq[run - 1]!;
    if (last.session === null) last.msg.term();
    else last.msg.ack();
    this.#pending = bySeq.slice(run);
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
      if (p.session === null || (d.session !== null && covers(d, p))) keep.push(p);
      else p.msg.nak(delayMs);
    }
    this.#pending = keep;
    return lowest;
  }
}
