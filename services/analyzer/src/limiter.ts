/** Who waits for a slot, most urgent first: newly closed files, then requested analyses, then the start-up scan. */
export type Priority = 'urgent' | 'request' | 'background';

/**
 * At most `limit` tasks at once; the rest wait in FIFO order per priority: closed events ('urgent') ahead of
 * isr.analyze requests ('request') ahead of the start-up scan ('background'), so neither a large backlog nor a
 * burst of requests delays the files being recorded now.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: Record<Priority, (() => void)[]> = { urgent: [], request: [], background: [] };
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.urgent.length + this.waiting.request.length + this.waiting.background.length;
  }

  async run<T>(task: () => Promise<T>, priority: Priority = 'urgent'): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting[priority].push(r));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.urgent.shift() ?? this.waiting.request.shift() ?? this.waiting.background.shift();
      if (next)
        next(); // the slot passes straight to the next task
      else this.running--;
    }
  }
}
