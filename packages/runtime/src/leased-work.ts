import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { SourceLease, type LeaseTimings } from './lease.ts';

/** What a lease holder runs: started when the lease is taken, stopped when it is lost or the process stops. */
export interface LeasedWork {
  /**
   * Stop. `lost`: another instance holds the lease now — write nothing more (no final status, no flush: the
   * fence already refuses publishes). Otherwise publish what is queued while the lease is still held.
   */
  stop(lost: boolean): Promise<void>;
}

/** The fence and token a holder's publisher checks before each publish. */
export interface LeaseFence {
  /** Whether this process still holds the lease (see SourceLease.valid). */
  valid(): boolean;
  /** The fencing token of the lease held when the work started. */
  token: number;
}

export interface LeasedRunnerOptions {
  kv: KV;
  key: string;
  timings: LeaseTimings;
  log: Logger;
  /** Starts the work for a newly taken lease (a new capture session). */
  start(fence: LeaseFence): LeasedWork;
  /** Told whenever this process becomes active (true) or standby (false). */
  onActive?(active: boolean): void;
}

/**
 * Runs a piece of work only while this process holds its lease: standby until the lease is free, then active
 * (start), back to standby when it is lost (stop), and on close the work is stopped before the lease is
 * released, so a standby takes over at its next poll instead of waiting for the TTL.
 */
export class LeasedRunner {
  private readonly lease: SourceLease;
  private work: LeasedWork | null = null;
  private closing = false;
  private readonly o: LeasedRunnerOptions;

  constructor(o: LeasedRunnerOptions) {
    this.o = o;
    this.lease = new SourceLease({
      kv: o.kv,
      key: o.key,
      timings: o.timings,
      log: o.log,
      onAcquired: (token) => {
        if (this.closing) return;
        this.work = o.start({ valid: () => this.lease.valid(), token });
        o.onActive?.(true);
      },
      onLost: async () => {
        const w = this.work;
        this.work = null;
        o.onActive?.(false);
        await w?.stop(true);
      },
    });
    o.onActive?.(false);
  }

  /** Whether this process holds the lease and runs the work. */
  get active(): boolean {
    return this.work !== null;
  }

  start(): void {
    this.lease.start();
  }

  async close(): Promise<void> {
    this.closing = true;
    const w = this.work;
    this.work = null;
    await w?.stop(false);
    await this.lease.release();
    this.o.onActive?.(false);
  }
}
