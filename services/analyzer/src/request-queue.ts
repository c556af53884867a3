import { AnalysisError, AnalysisErrorCodes } from './errors.ts';

/**
 * The isr.analyze requests a replica has accepted and not yet answered, at most `max` (analyze_queue_max).
 * Identical requests (same key) in flight share one job; a new one beyond the bound is refused at once with
 * ANALYZER_BUSY instead of queueing unbounded work. The decision is made synchronously on arrival, so a burst is
 * counted exactly.
 */
export class RequestQueue {
  private readonly jobs = new Map<string, Promise<unknown>>();
  private readonly max: number;
  private readonly onSize: (n: number) => void;

  constructor(max: number, onSize: (n: number) => void = () => {}) {
    this.max = Math.max(1, max);
    this.onSize = onSize;
  }

  get size(): number {
    return this.jobs.size;
  }

  /** The job's result; `shared` when an identical request was already in flight. Throws ANALYZER_BUSY when full. */
  submit<T>(key: string, job: () => Promise<T>): { result: Promise<T>; shared: boolean } {
    const running = this.jobs.get(key) as Promise<T> | undefined;
    if (running) return { result: running, shared: true };
    if (this.jobs.size >= this.max) {
      throw new AnalysisError(
        AnalysisErrorCodes.busy,
        `the analyzer already has ${this.jobs.size} requested analyses in hand (analyze_queue_max = ${this.max}); try again later`,
      );
    }
    const result = (async () => job())().finally(() => {
      this.jobs.delete(key);
      this.onSize(this.jobs.size);
    });
    this.jobs.set(key, result);
    this.onSize(this.jobs.size);
    return { result, shared: false };
  }
}
