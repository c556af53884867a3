import { randomUUID } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LeaseValue } from '@isr/contract';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';

/** How a failover time becomes the lease's TTL (the bucket's max age), renewal and polling periods. */
export interface LeaseTimings {
  /** The server forgets an unrenewed lease after this long. */
  ttlMs: number;
  /** The holder renews this often. */
  renewMs: number;
  /** A standby tries to take the lease this often. */
  pollMs: number;
  /** The holder considers its lease valid for this long after sending its last successful renewal (< ttlMs). */
  validMs: number;
}

/**
 * Timings for `failover_seconds`: TTL 60 % of it and a standby polling every 10 %, so a standby holds the lease
 * at most 70 % of failover_seconds after the holder's last renewal and has the rest to start recording.
 */
export function leaseTimings(failoverSeconds: number): LeaseTimings {
  const ttlMs = Math.round(failoverSeconds * 600);
  return {
    ttlMs,
    renewMs: Math.round(ttlMs / 3),
    pollMs: Math.max(100, Math.round(failoverSeconds * 100)),
    validMs: Math.round(ttlMs * 0.8),
  };
}

export interface SourceLeaseOptions {
  /** The lease bucket (isr_leases), whose max age is `timings.ttlMs`. */
  kv: KV;
  /** The lease key, e.g. leaseKey('capture', source). */
  key: string;
  timings: LeaseTimings;
  log: Logger;
  /** Called when this process takes the lease; `token` is the fencing token (the revision at acquisition). */
  onAcquired(token: number): void;
  /** Called when the lease is known to be someone else's (or gone to another); stop writing at once. */
  onLost(reason: string): void | Promise<void>;
  /** Monotonic clock (ms). */
  monotonic?: () => number;
  /** Wall clock (ms), only for the value humans read. */
  now?: () => number;
}

/** JetStream refused a compare-and-set: the key is not at the revision we expected (someone else wrote it). */
function isCasFailure(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
      err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/**
 * The host name an instance reports in its leases (and the segmenter group in its member ids): `ISR_HOST`, or
 * the machine's. A lease of a dead process is taken at once only when it names this host (see
 * heldByDeadProcess); set `ISR_HOST` where two machines share a host name.
 */
export function hostName(): string {
  return process.env.ISR_HOST || hostname();
}

/** This process's PID namespace ('' where /proc cannot tell). */
function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/** Whether a process with this pid exists (in this PID namespace). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lease value left by a process that is dead for certain: it names this host and PID namespace and a pid that
 * no longer exists there. (A container restarted under the same pid gets a new namespace: it waits for the TTL.)
 */
export function heldByDeadProcess(
  v: Partial<LeaseValue>,
  self: { host: string; pidns: string; pid: number },
  alive: (pid: number) => boolean = pidAlive,
): boolean {
  if (!self.pidns || v.host !== self.host || v.pidns !== self.pidns || typeof v.pid !== 'number' || v.pid === self.pid)
    return false;
  return !alive(v.pid);
}

/**
 * One per-source lease: CAS on the KV revision, server-side TTL, the acquisition revision as fencing token.
 *
 * While not holding it, the lease tries to create the key every `pollMs` (create succeeds only on an absent,
 * expired or deleted key). While holding it, it renews with an update on the revision it holds every `renewMs`.
 * A renewal refused by CAS means the key expired or changed: if it can be created again nobody else took it
 * and the holder keeps going; otherwise `onLost` fires. A renewal that gets no answer (NATS away) is retried;
 * meanwhile `valid()` turns false once `validMs` passed since the last successful renewal was sent, which is
 * before the server can let the key expire — so a holder cut off from NATS stops publishing before a standby
 * can start (the fence), and resumes if it gets the lease back.
 */
export class SourceLease {
  private readonly o: SourceLeaseOptions;
  private readonly mono: () => number;
  private readonly now: () => number;
  private readonly id = randomUUID();
  private readonly pidns = pidNamespace();
  private rev: number | null = null;
  private fencingToken: number | null = null;
  private renewedAt = -Infinity;
  private since = '';
  private stopped = false;
  /** Aborted by release(): ends the wait before the next renewal at once. */
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(o: SourceLeaseOptions) {
    this.o = o;
    this.mono = o.monotonic ?? (() => performance.now());
    this.now = o.now ?? Date.now;
  }

  /** The fencing token of the lease held (its revision at acquisition), or null. */
  get token(): number | null {
    return this.fencingToken;
  }

  get holding(): boolean {
    return this.rev !== null;
  }

  /** The fence, checked before each publish: this process holds the lease and renewed it recently enough. */
  valid(): boolean {
    return this.rev !== null && this.mono() - this.renewedAt < this.o.timings.validMs;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private value(): Uint8Array {
    const v: LeaseValue = {
      holder: this.id,
      host: hostName(),
      pid: process.pid,
      pidns: this.pidns,
      since: this.since,
      renewed: new Date(this.now()).toISOString(),
    };
    return new TextEncoder().encode(JSON.stringify(v));
  }

  private async run(): Promise<void> {
    const { timings, log, key } = this.o;
    while (!this.stopped) {
      let delay: number;
      if (this.rev === null) {
        delay = timings.pollMs;
        const sent = this.mono();
        try {
          this.since = new Date(this.now()).toISOString();
          const rev = await this.o.kv.create(key, this.value());
          this.rev = this.fencingToken = rev;
          this.renewedAt = sent;
          log.info({ lease: key, token: rev }, 'lease taken: active');
          delay = timings.renewMs;
          try {
            this.o.onAcquired(rev);
          } catch (err) {
            // The work could not start here: give the lease back so a standby elsewhere can try.
            log.error({ err, lease: key }, 'could not start the leased work; releasing the lease');
            await this.o.kv.delete(key, { previousSeq: rev }).catch(() => undefined);
            this.rev = this.fencingToken = null;
            delay = timings.ttlMs;
          }
        } catch (err) {
          if (!isCasFailure(err)) log.debug({ err, lease: key }, 'cannot reach the lease bucket');
          else if (await this.clearDeadHolder()) delay = 0;
        }
      } else {
        delay = timings.renewMs;
        const sent = this.mono();
        try {
          this.rev = await this.o.kv.update(key, this.value(), this.rev);
          this.renewedAt = sent;
        } catch (err) {
          if (isCasFailure(err)) {
            // The key expired (we were cut off for longer than the TTL) or someone else wrote it.
            try {
              this.rev = await this.o.kv.create(key, this.value());
              this.renewedAt = sent;
              log.warn({ lease: key, token: this.fencingToken }, 'lease had expired and nobody took it: still active');
            } catch (err2) {
              if (isCasFailure(err2)) await this.lose('another instance holds the lease');
              else delay = Math.min(250, timings.renewMs);
            }
          } else {
            log.debug({ err, lease: key }, 'lease renewal got no answer; retrying');
            delay = Math.min(250, timings.renewMs);
          }
        }
      }
      if (this.stopped) break;
      await sleep(delay, undefined, { signal: this.stopSignal.signal }).catch(() => undefined);
    }
  }

  /**
   * The lease is held by a process of this host that died (a crash, a restart under a supervisor): rather than
   * wait out the TTL, delete it (compare-and-set on its revision) and take it at once. True when deleted.
   */
  private async clearDeadHolder(): Promise<boolean> {
    const { kv, key, log } = this.o;
    try {
      const e = await kv.get(key);
      if (e?.operation !== 'PUT') return false;
      const v = e.json<Partial<LeaseValue>>();
      if (!heldByDeadProcess(v, { host: hostName(), pidns: this.pidns, pid: process.pid })) return false;
      await kv.delete(key, { previousSeq: e.revision });
      log.info(
        { lease: key, pid: v.pid },
        'the lease was held by a process of this host that is gone: taking it without waiting for its TTL',
      );
      return true;
    } catch {
      return false;
    }
  }

  private async lose(reason: string): Promise<void> {
    this.o.log.warn({ lease: this.o.key, token: this.fencingToken, reason }, 'lease lost: standby');
    this.rev = this.fencingToken = null;
    this.renewedAt = -Infinity;
    await this.o.onLost(reason);
  }

  /** Stops renewing; a held lease is deleted (compare-and-set), so a standby takes over at its next poll. */
  async release(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    await this.loop;
    const rev = this.rev;
    this.rev = this.fencingToken = null;
    if (rev !== null) {
      await this.o.kv
        .delete(this.o.key, { previousSeq: rev })
        .catch((err: unknown) =>
          this.o.log.debug({ err, lease: this.o.key }, 'could not release the lease (it expires by itself)'),
        );
      this.o.log.info({ lease: this.o.key }, 'lease released');
    }
  }
}
