import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseBucket, leaseKey, LeaseRoles } from '@isr/contract';
import { hostName, LeasedRunner, type LeaseFence, type LeaseTimings, type LeasedWork } from '@isr/runtime';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';

/** Keys of the group itself in isr_leases (a source name has no `.`, so they cannot meet a source's lease key). */
const MEMBER_PREFIX = 'segmenter-group.member.';
const RETENTION_KEY = 'segmenter-group.retention';

/** How a member stops owning a source. */
export type ReleaseMode =
  /** Another member took the lease (this one was paused or cut off): write nothing more, not even a header. */
  | 'lost'
  /** The source moves to another member (it joined): make everything durable, leave the file open for it. */
  | 'handover'
  /** This process stops: close the file as a shutdown always did. */
  | 'shutdown';

/** What a member does while it owns a source. */
export interface OwnedSource {
  release(mode: ReleaseMode): Promise<void>;
}

export interface GroupOptions {
  kv: KV;
  /** For the member list (the subjects of the lease bucket's stream). */
  jsm: JetStreamManager;
  /** The sources to write (the configured ones and any other with chunks on the bus). */
  sources(): Promise<readonly string[]>;
  timings: LeaseTimings;
  log: Logger;
  /** Starts owning a source; the fence is checked before every write and every ack. */
  own(source: string, fence: LeaseFence): Promise<OwnedSource>;
  /** Retention and the disk guard run on one member at a time. */
  retention: { start(): void; stop(): Promise<void> };
  /** Told the number of live members after each look. */
  onMembers?(count: number): void;
  /** This member's id (default: host, pid and a random part). */
  member?: string;
}

/** A member id usable as a KV key token. */
function memberId(): string {
  return `${hostName()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * The member a source belongs to: rendezvous (highest random weight) hashing. Every member computes the same
 * answer from the same member list; a member joining takes about 1/n of the sources, and one leaving gives up
 * only its own, to the members that rank next for them.
 */
export function ownerOf(source: string, members: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const m of members) {
    const score = createHash('sha256').update(`${m}\0${source}`).digest().readUIntBE(0, 6);
    if (score > bestScore || (score === bestScore && best !== null && m < best)) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The segmenter group: every segmenter on the bus is a member; each source has exactly one writer.
 *
 * Members heartbeat a key of their own in isr_leases (whose max age is the lease TTL, so a dead member's key
 * goes by itself). Every `pollMs` a member lists the live members and, by rendezvous hashing, the sources it
 * should own: for each it runs a per-source lease (`segmenter.<source>`, compare-and-set with TTL; the revision
 * at acquisition is the fencing token), and a source it should no longer own (a member joined) it hands over:
 * everything durable, the lease deleted, so the new owner takes it at its next poll and continues the open
 * file from the journal. A member that died stops heartbeating and renewing: within the TTL its sources rank
 * to others, whose leases then succeed (failover within `failover_seconds`).
 */
export class SegmenterGroup {
  readonly member: string;
  readonly #o: GroupOptions;
  readonly #runners = new Map<string, { runner: LeasedRunner; mode: ReleaseMode }>();
  readonly #retention: LeasedRunner;
  #members: string[] = [];
  readonly #stopped = new AbortController();
  #loop: Promise<void> | null = null;

  constructor(o: GroupOptions) {
    this.#o = o;
    this.member = o.member ?? memberId();
    this.#retention = new LeasedRunner({
      kv: o.kv,
      key: RETENTION_KEY,
      timings: o.timings,
      log: o.log,
      start: () => {
        o.retention.start();
        return { stop: () => o.retention.stop() };
      },
    });
  }

  /** Sources this member owns (holds the lease of) right now. */
  owned(): string[] {
    return [...this.#runners].filter(([, r]) => r.runner.active).map(([s]) => s);
  }

  get members(): readonly string[] {
    return this.#members;
  }

  start(): void {
    this.#retention.start();
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    const { timings, log } = this.#o;
    while (!this.#stopped.signal.aborted) {
      try {
        await this.#tick();
      } catch (err) {
        log.debug({ err }, 'segmenter group: cannot reach isr_leases; trying again');
      }
      await sleep(timings.pollMs, undefined, { ref: false, signal: this.#stopped.signal }).catch(() => undefined);
    }
  }

  /**
   * The live members: the member keys the bucket's stream holds (a key expires with the bucket's max age), read
   * from the stream's subject list rather than with a listing consumer — creating a consumer every poll loads a
   * cluster's meta leader, worst while nodes restart. A key deleted at shutdown leaves a marker: skipped.
   */
  async #liveMembers(): Promise<string[]> {
    const { kv, jsm } = this.#o;
    const prefix = `$KV.${LeaseBucket}.${MEMBER_PREFIX}`;
    const si = await jsm.streams.info(`KV_${LeaseBucket}`, { subjects_filter: `${prefix}>` });
    const live = new Set<string>([this.member]);
    await Promise.all(
      Object.keys(si.state.subjects ?? {}).map(async (subject) => {
        const id = subject.slice(prefix.length);
        if ((await kv.get(`${MEMBER_PREFIX}${id}`))?.operation === 'PUT') live.add(id);
      }),
    );
    return [...live].sort();
  }

  async #tick(): Promise<void> {
    const { kv, log } = this.#o;
    const sources = await this.#o.sources();
    await kv.put(
      `${MEMBER_PREFIX}${this.member}`,
      JSON.stringify({ host: hostName(), pid: process.pid, at: new Date().toISOString() }),
    );
    const members = await this.#liveMembers();
    if (this.#stopped.signal.aborted) return;
    const mine = sources.filter((s) => ownerOf(s, members) === this.member);
    const take = mine.filter((s) => !this.#runners.has(s));
    const give = [...this.#runners.keys()].filter((s) => !mine.includes(s));
    if (members.join() !== this.#members.join() || take.length || give.length) {
      log.info(
        { member: this.member, members, owns: mine, taking: take, handingOver: give },
        'segmenter group: rebalance',
      );
    }
    this.#members = members;
    this.#o.onMembers?.(members.length);
    for (const s of take) this.#startRunner(s);
    await Promise.all(give.map((s) => this.#giveUp(s, 'handover')));
  }

  #startRunner(source: string): void {
    const { kv, timings, log, own } = this.#o;
    const entry = { runner: null as unknown as LeasedRunner, mode: 'shutdown' as ReleaseMode };
    entry.runner = new LeasedRunner({
      kv,
      key: leaseKey(LeaseRoles.segmenter, source),
      timings,
      log,
      start: (fence): LeasedWork => {
        const owned = own(source, fence).catch((err: unknown) => {
          log.error({ err, source }, 'could not start writing the source; handing it back to the group');
          // give the lease back (after this start has returned) so that a member, maybe this one, tries again
          setImmediate(() => {
            if (this.#runners.get(source) === entry) void this.#giveUp(source, 'shutdown');
          });
          return null;
        });
        return { stop: async (lost) => (await owned)?.release(lost ? 'lost' : entry.mode) };
      },
    });
    this.#runners.set(source, entry);
    entry.runner.start();
  }

  /**
   * Gives a source up at once, writing nothing more (its writer stopped at the fence: the lease went
   * unconfirmed while NATS was away). The lease is released; if the source still ranks to this member, the
   * next poll takes it anew — a new token, the journal's file repaired and continued, a new consumer.
   */
  async drop(source: string): Promise<void> {
    if (!this.#runners.has(source)) return;
    this.#o.log.warn(
      { source },
      'segmenter group: giving the source up after its fence refused a write; it is taken anew',
    );
    await this.#giveUp(source, 'lost');
  }

  /** Stops owning a source (its work released as `mode`) and deletes its lease; the next poll may take it again. */
  async #giveUp(source: string, mode: ReleaseMode): Promise<void> {
    const r = this.#runners.get(source);
    if (!r) return;
    r.mode = mode;
    this.#runners.delete(source);
    await r.runner.close();
  }

  /** Stops owning everything (files closed as at any shutdown), deletes the leases and this member's key. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#loop;
    const all = [...this.#runners.values()];
    this.#runners.clear();
    await Promise.all(all.map((r) => r.runner.close()));
    await this.#retention.close();
    await this.#o.kv.delete(`${MEMBER_PREFIX}${this.member}`).catch(() => undefined);
  }
}
