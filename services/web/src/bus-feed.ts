import { StreamNames } from '@isr/contract';
import { followStream, type Bus } from '@isr/runtime';
import { watchAnalyses } from './analysis-feed.ts';
import { eventHandler, type EventFeedDeps } from './event-feed.ts';
import { followLevels, watchStatus } from './status-feed.ts';

/** The app's shared state it keeps current, plus the bus it reads. */
export type FeedDeps = EventFeedDeps & { bus: Bus };

/**
 * Keeps the index and the pages current from the bus: an ordered consumer over ISR_EVENTS from the start
 * of the stream (segment opened/closed/deleted, analysis done), a KV watch on isr_status, one on isr_analysis (for an
 * analysis whose done event never came) and the isr.level.* feed.
 * `ready` settles once the events stream is caught up.
 */
export async function startBusFeed(d: FeedDeps): Promise<{ ready: Promise<void>; stop(): Promise<void> }> {
  // The whole stream (nats-server 2.9 has no multi-subject filters); metadata events are skipped by the handler.
  // followStream re-creates the ordered consumer after the last event handled when its node dies.
  const events = followStream({ js: d.bus.js, stream: StreamNames.events, log: d.log, onMessage: eventHandler(d) });
  const status = await watchStatus(d.bus, d);
  const analyses = await watchAnalyses(d.bus.kv.analysis, d);
  const levels = followLevels(d.bus, d);
  return {
    ready: events.caughtUp,
    async stop() {
      levels.unsubscribe();
      status.stop();
      analyses.stop();
      await events.stop();
    },
  };
}
