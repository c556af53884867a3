import type { SegmenterMetrics } from './metrics.ts';
import type { OwnedSources } from './owned-sources.ts';
import type { StatusReporter } from './status-report.ts';

export interface SegmenterTimersOptions {
  sources: OwnedSources;
  status: StatusReporter;
  metrics: SegmenterMetrics;
  /** This member's id (written with the status). */
  member: () => string;
  now: () => number;
  commitMs: number;
  statusMs: number;
  /** How often the consumers' backlog figures are read. */
  backlogMs?: number;
}

/**
 * The segmenter's periodic work: commit (fsync → journal → ack), status and lag, the consumers' backlog. A tick
 * still running when the next is due is skipped, never run twice at once. Returns the function that stops them.
 */
export function startSegmenterTimers(o: SegmenterTimersOptions): () => void {
  const { sources, status, metrics, now } = o;
  const ticking = { commit: false, status: false };
  const commitTimer = setInterval(() => {
    if (ticking.commit) return;
    ticking.commit = true;
    void sources.commitAll().finally(() => (ticking.commit = false));
  }, o.commitMs);
  const statusTimer = setInterval(() => {
    // The lag grows while nothing is written (a stalled consumer shows), not only when a chunk is written.
    for (const w of sources.writers()) {
      const last = w.status().lastChunk;
      if (last) metrics.lag.set({ source: w.source }, Math.max(0, (now() - Date.parse(last)) / 1000));
    }
    if (ticking.status) return;
    ticking.status = true;
    void status.report(sources.writers(), o.member()).finally(() => (ticking.status = false));
  }, o.statusMs);
  const backlogTimer = setInterval(() => {
    void sources.backlog().then((b) => {
      metrics.pending.set(b.pending);
      metrics.ackPending.set(b.ackPending);
    });
  }, o.backlogMs ?? 5000);
  const timers = [commitTimer, statusTimer, backlogTimer];
  for (const t of timers) t.unref();
  return () => {
    for (const t of timers) clearInterval(t);
  };
}
