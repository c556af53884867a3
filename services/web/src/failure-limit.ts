/**
 * Counts failed attempts per client (IP address) in fixed windows: after `max` failures a client waits
 * until its window ends. Memory is bounded: beyond `maxClients` the oldest window is forgotten.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();
  private readonly max: number;
  private readonly windowMs: number;
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(o: { max: number; windowMs: number; now?: () => number; maxClients?: number }) {
    this.max = o.max;
    this.windowMs = o.windowMs;
    this.now = o.now ?? Date.now;
    this.maxClients = o.maxClients ?? 10_000;
  }

  get size(): number {
    return this.windows.size;
  }

  /** 0 when `client` may try; else the whole seconds until its window ends. */
  retryAfterSeconds(client: string): number {
    const w = this.windows.get(client);
    if (!w) return 0;
    const left = w.endsAt - this.now();
    if (left <= 0) {
      this.windows.delete(client);
      return 0;
    }
    return w.failures >= this.max ? Math.ceil(left / 1000) : 0;
  }

  fail(client: string): void {
    const now = this.now();
    let w = this.windows.get(client);
    if (!w || w.endsAt <= now) {
      this.windows.delete(client);
      w = { failures: 0, endsAt: now + this.windowMs };
      this.windows.set(client, w);
      if (this.windows.size > this.maxClients) this.windows.delete(this.windows.keys().next().value!);
    }
    w.failures++;
  }
}
