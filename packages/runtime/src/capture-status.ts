import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureStates, redactSecrets, type CaptureState, type CaptureStatus } from '@isr/contract';
import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { settleWithin } from './shutdown.ts';
import { putStatusPart } from './status-kv.ts';

/**
 * Keeps a capture service's half of isr_status.<source> up to date: changes are merged and written one at a
 * time (compare-and-set through putStatusPart), so a slow or absent NATS never piles up writes; a failed write
 * is retried every second until it lands (so an error state is not left stale after an outage) or `settle`.
 */
export class CaptureStatusWriter {
  private current: CaptureStatus;
  private inFlight: Promise<void> | null = null;
  private dirty = false;
  private closed = false;
  private detached = false;

  private readonly kv: KV;
  private readonly source: string;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(
    kv: KV,
    source: string,
    service: CaptureStatus['service'],
    log: Logger,
    base: Partial<CaptureStatus> = {},
    now: () => number = Date.now,
  ) {
    this.kv = kv;
    this.source = source;
    this.log = log;
    this.now = now;
    this.current = {
      service,
      state: CaptureStates.connecting,
      message: null,
      session: null,
      since: null,
      lastChunk: null,
      format: null,
      codec: null,
      sampleRate: null,
      channels: null,
      updated: new Date(this.now()).toISOString(),
      ...base,
    };
  }

  get state(): CaptureState {
    return this.current.state;
  }

  /** Merges a change; a URL in its message is shown without credentials (isr_status is public on /api/status). */
  update(change: Partial<CaptureStatus>): void {
    if (this.detached) return;
    const message = typeof change.message === 'string' ? { message: redactSecrets(change.message) } : {};
    this.current = { ...this.current, ...change, ...message, updated: new Date(this.now()).toISOString() };
    this.dirty = true;
    this.inFlight ??= this.flushLoop();
  }

  private async flushLoop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        await putStatusPart(this.kv, this.source, { capture: this.current });
      } catch (err) {
        this.log.debug({ err, source: this.source }, 'cannot write isr_status (NATS unreachable?)');
        if (!this.closed) {
          this.dirty = true;
          await sleep(1000);
        }
      }
    }
    this.inFlight = null;
  }

  /** Writes nothing more, not even what is pending: another process (the lease's new holder) owns the key now. */
  detach(): void {
    this.detached = true;
    this.closed = true;
    this.dirty = false;
  }

  /** Waits for the pending write (bounded); no retries after this. */
  async settle(timeoutMs: number): Promise<void> {
    this.closed = true;
    await settleWithin(this.inFlight, timeoutMs);
  }
}
