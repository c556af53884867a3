import { isDeepStrictEqual } from 'node:util';
import { Buckets, parseJson, type AnalysisRecord } from '@isr/contract';
import type { KV } from '@isr/runtime';
import { summaryOf } from './analysis-view.ts';
import type { EventFeedDeps } from './event-feed.ts';
import { SseEvents } from './sse-hub.ts';

export interface AnalysisWatchOptions {
  /** How long a stored record waits for its isr.analysis.done event (default 10 s). */
  graceMs?: number;
  /** How many times a record waits for its file to be listed (the events feed behind) before it is dropped (default 6). */
  tries?: number;
}

/**
 * Watches KV isr_analysis for new records, as a fallback for the isr.analysis.done events: a record whose event did
 * not bring it to the file's row within `graceMs` is put there and announced to the pages (the SSE `analysis`
 * event) from KV. The analyzer stores the record before it publishes the event; when that publish fails (no
 * ISR_EVENTS leader across a node loss) it publishes it again at the redelivery, but only then — until then, and
 * from analyzers older than that, the record is in KV with no event for it.
 */
export async function watchAnalyses(
  kv: KV,
  d: Pick<EventFeedDeps, 'index' | 'hub' | 'log'>,
  o: AnalysisWatchOptions = {},
): Promise<{ stop(): void }> {
  const graceMs = o.graceMs ?? 10_000;
  const watch = await kv.watch({ include: 'updates' }); // the scan and the replayed done events have the rest
  const timers = new Set<NodeJS.Timeout>();
  /** The revision of the newest record per path still waiting: an older one never overwrites it. */
  const newest = new Map<string, number>();
  const later = (fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, graceMs);
    timers.add(t);
  };
  const settle = (a: AnalysisRecord, revision: number, tries: number) => {
    if (newest.get(a.path) !== revision) return;
    const rec = d.index.get(a.path);
    if (!rec) {
      if (tries > 1) later(() => settle(a, revision, tries - 1));
      else newest.delete(a.path);
      return;
    }
    newest.delete(a.path);
    const summary = summaryOf(a);
    if (isDeepStrictEqual(rec.analysis, summary)) return; // its done event brought it
    rec.analysis = summary;
    d.log.info({ path: a.path }, 'analysis stored without its isr.analysis.done event: taken from KV');
    d.hub.send(SseEvents.analysis, {
      path: a.path,
      ok: !a.error,
      error: a.error ? `${a.error.code}: ${a.error.message}` : null,
      summary,
    });
  };
  void (async () => {
    for await (const e of watch) {
      if (e.operation !== 'PUT' || e.value.length === 0) continue;
      try {
        const a = parseJson<AnalysisRecord>(e.value, `KV ${Buckets.analysis} ${e.key}`);
        newest.set(a.path, e.revision);
        later(() => settle(a, e.revision, o.tries ?? 6));
      } catch (err) {
        d.log.warn({ err, key: e.key }, 'ignored a malformed isr_analysis entry');
      }
    }
  })();
  return {
    stop() {
      watch.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
