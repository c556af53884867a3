import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Buckets, parseJson, StreamNames, Subjects, SubjectRoots, type AnalysisDoneEvent, type LiveLevel, type SegmentClosedEvent, type SegmentDeletedEvent, type SegmentOpenedEvent, type SourceStatus } from '@isr/contract';
import { followStream, type Bus } from '@isr/runtime';
import type { JsMsg } from '@nats-io/jetstream';
import { summaryOf } from './analysis-view.ts';
import type { WebDeps } from './app.ts';
import type { Recording } from './file-index.ts';
import { SseEvents } from './sse-hub.ts';

/** The app's shared state it keeps current, plus the bus it reads. */
export type FeedDeps = Pick<WebDeps, 'root' | 'index' | 'board' | 'hub' | 'analysis' | 'log'> & {
  bus: Bus;
  onEvent?: (kind: string) => void;
};

/** Events younger than this describe files that exist or are about to. */
const FRESH_MS = 60_000;

function fromOpened(e: SegmentOpenedEvent): Partial<Recording> & Pick<Recording, 'path'> {
  return {
    path: e.path,
    source: e.source,
    start: e.startLocal || e.start,
    startMs: Date.parse(e.start),
    durationSeconds: null,
    codec: e.codec,
    container: e.container,
    sampleRate: e.sampleRate,
    channels: e.channels,
    gaps: e.gaps.length,
  };
}

/**
 * Keeps the index and the pages current from the bus: an ordered consumer over ISR_EVENTS from the start
 * of the stream (segment opened/closed/deleted, analysis done), a KV watch on isr_status and the isr.level.* feed.
 * Returns a stop function.
 */
export async function startBusFeed(d: FeedDeps): Promise<{ ready: Promise<void>; stop(): Promise<void> }> {
  const exists = (rel: string) => stat(join(d.root, rel)).then((s) => s, () => null);
  // The whole stream (nats-server 2.9 has no multi-subject filters); metadata events are skipped below.
  // followStream re-creates the ordered consumer after the last event handled when its node dies.
  const events = followStream({
    js: d.bus.js,
    stream: StreamNames.events,
    log: d.log,
    onMessage: async (m: JsMsg) => {
      try {
        if (m.subject.startsWith(SubjectRoots.segmentOpened + '.')) {
          const e = parseJson<SegmentOpenedEvent>(m.data, m.subject);
          const st = await exists(e.path);
          // A fresh event may arrive before the file is on disk; an old one for a missing file was deleted since.
          if (st || Date.now() - m.time.getTime() < FRESH_MS) {
            const rec = d.index.upsert({ ...fromOpened(e), bytes: st?.size ?? 0, recording: true });
            d.hub.send(SseEvents.fileOpened, rec);
          }
        } else if (m.subject.startsWith(SubjectRoots.segmentClosed + '.')) {
          const e = parseJson<SegmentClosedEvent>(m.data, m.subject);
          const st = await exists(e.path);
          d.board.markClosed(e.path);
          if (st || Date.now() - m.time.getTime() < FRESH_MS) {
            const rec = d.index.upsert({ ...fromOpened(e), durationSeconds: e.durationSeconds, bytes: st?.size ?? e.bytes, recording: false });
            d.hub.send(SseEvents.fileClosed, rec);
          } else d.index.remove(e.path);
        } else if (m.subject.startsWith(SubjectRoots.segmentDeleted + '.')) {
          // Retention or the disk guard deleted it: the row goes, live.
          const e = parseJson<SegmentDeletedEvent>(m.data, m.subject);
          if (d.index.remove(e.path)) d.hub.send(SseEvents.fileDeleted, { path: e.path, reason: e.reason });
        } else if (m.subject.startsWith(SubjectRoots.analysisDone + '.')) {
          const e = parseJson<AnalysisDoneEvent>(m.data, m.subject);
          const rec = d.index.get(e.path);
          if (rec) {
            const a = await d.analysis.get(e.path, join(d.root, e.path));
            if (a) rec.analysis = summaryOf(a);
          }
          d.hub.send(SseEvents.analysis, { path: e.path, ok: e.ok, error: e.error ?? null, summary: rec?.analysis ?? null });
        }
        d.onEvent?.(m.subject.split('.').slice(0, 3).join('.'));
      } catch (err) {
        d.log.warn({ err, subject: m.subject }, 'ignored a malformed ISR_EVENTS message');
      }
    },
  });
  const ready = events.caughtUp;

  const watch = await d.bus.kv.status.watch();
  void (async () => {
    for await (const e of watch) {
      try {
        if (e.operation === 'PUT' && e.value.length > 0) {
          const s = parseJson<SourceStatus>(e.value, `KV ${Buckets.status} ${e.key}`);
          d.board.setStatus(s);
          const file = s.recorder?.file;
          if (file) {
            const rec = d.index.get(file);
            if (rec && s.recorder) rec.bytes = Math.max(rec.bytes, s.recorder.bytes);
          }
        } else d.board.deleteStatus(e.key);
        d.hub.send(SseEvents.status, d.board.view(e.key));
      } catch (err) {
        d.log.warn({ err, key: e.key }, 'ignored a malformed isr_status entry');
      }
    }
  })();

  const levels = d.bus.nc.subscribe(Subjects.levelAll, {
    callback: (err, m) => {
      if (err) return;
      try {
        const l = parseJson<LiveLevel>(m.data, m.subject);
        d.board.setLevel(l);
        d.hub.send(SseEvents.level, l);
      } catch (e) {
        d.log.debug({ err: e }, 'ignored a malformed level message');
      }
    },
  });

  return {
    ready,
    async stop() {
      levels.unsubscribe();
      watch.stop();
      await events.stop();
    },
  };
}
