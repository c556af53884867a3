/**
 * At most `limit` tasks at once; the rest wait in FIFO order, urgent ones (closed events, requests) ahead of
 * background ones (the start-up scan), so a large backlog never delays the files being recorded now.
 */
export class Limiter {
  private running = 0;
  private readonly urgent: (() => void)[] = [];
  private readonly background: (() => void)[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.urgent.length + this.background.length;
  }

  async run<T>(task: () => Promise<T>, priority: 'urgent' | 'background' = 'urgent'): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((r) => (priority === 'urgent' ? this.urgent : this.background).push(r));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.urgent.shift() ?? this.background.shift();
      if (next) next(); // the slot passes straight to the next task
      else this.running--;
    }
  }
}
