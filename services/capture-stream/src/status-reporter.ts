import { putStatusPart, type KV } from '@isr/runtime';
import type { CaptureStatus } from '@isr/contract';
import type { Logger } from 'pino';

/**
 * Keeps this source's capture half of isr_status.<source> up to date: one write at a time, the latest state
 * wins, failures (NATS away) are logged at debug and retried with the next change.
 */
export class StatusReporter {
  private state: CaptureStatus;
  private writing = false;
  private dirty = false;
  private readonly kv: KV;
  private readonly source: string;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(kv: KV, source: string, log: Logger, now: () => number) {
    this.kv = kv;
    this.source = source;
    this.log = log;
    this.now = now;
    this.state = { service: 'capture-stream', state: 'connecting', message: null, session: null, since: null, lastChunk: null, format: null, codec: null, sampleRate: null, channels: null, title: null, updated: new Date(now()).toISOString() };
  }

  update(change: Partial<CaptureStatus>): void {
    this.state = { ...this.state, ...change, updated: new Date(this.now()).toISOString() };
    this.dirty = true;
    if (!this.writing) void this.flush();
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.dirty) {
      this.dirty = false;
      try {
        await putStatusPart(this.kv, this.source, { capture: this.state });
      } catch (err) {
        this.log.debug({ err, source: this.source }, 'status update failed');
      }
    }
    this.writing = false;
  }
}
