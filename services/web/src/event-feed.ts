import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  parseJson,
  SubjectRoots,
  type AnalysisDoneEvent,
  type SegmentClosedEvent,
  type SegmentDeletedEvent,
  type SegmentOpenedEvent,
} from '@isr/contract';
import type { JsMsg } from '@nats-io/jetstream';
import { summaryOf } from './analysis-view.ts';
import type { WebDeps } from './app.ts';
import type { Recording } from './file-index.ts';
import { SseEvents } from './sse-hub.ts';

export type EventFeedDeps = Pick<WebDeps, 'root' | 'index' | 'board' | 'hub' | 'analysis' | 'log'> & {
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
 * The handler of one ISR_EVENTS message: segment opened/closed/deleted and analysis done keep the index current
 * and go to the pages; other events (metadata) are skipped. A malformed message is logged and ignored.
 */
export function eventHandler(d: EventFeedDeps): (m: JsMsg) => Promise<void> {
  const exists = (rel: string) =>
    stat(join(d.root, rel)).then(
      (s) => s,
      () => null,
    );
  return async (m) => {
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
          const rec = d.index.upsert({
            ...fromOpened(e),
            durationSeconds: e.durationSeconds,
            bytes: st?.size ?? e.bytes,
            recording: false,
          });
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
        d.hub.send(SseEvents.analysis, {
          path: e.path,
          ok: e.ok,
          error: e.error ?? null,
          summary: rec?.analysis ?? null,
        });
      }
      d.onEvent?.(m.subject.split('.').slice(0, 3).join('.'));
    } catch (err) {
      d.log.warn({ err, subject: m.subject }, 'ignored a malformed ISR_EVENTS message');
    }
  };
}
