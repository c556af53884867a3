import type { ZoneClock } from '@isr/audio';
import { timeOfFrame, type Gap, type SegmentClosedEvent, type SegmentOpenedEvent } from '@isr/contract';
import type { OpenFileRecord, PendingManifestEntry } from './journal.ts';

/** Body of isr.segment.opened.<source> for a file. */
export function openedEvent(source: string, rec: OpenFileRecord, zone: ZoneClock): SegmentOpenedEvent {
  return {
    source,
    path: rec.rel,
    start: new Date(rec.startMs).toISOString(),
    startLocal: zone.isoLocal(rec.startMs),
    format: rec.format,
    codec: rec.codec,
    container: rec.container,
    sampleRate: rec.sampleRate,
    channels: rec.channels,
    session: rec.session,
    gaps: rec.gaps,
  };
}

/** Body of isr.segment.closed.<source> for a file holding `frames` frames in `bytes` bytes, hashing to `sha256`. */
export function closedEvent(
  source: string,
  rec: OpenFileRecord,
  zone: ZoneClock,
  frames: number,
  bytes: number,
  reason: SegmentClosedEvent['reason'],
  sha256: string,
): SegmentClosedEvent {
  return {
    ...openedEvent(source, rec, zone),
    end: new Date(timeOfFrame(frames, rec.startMs, rec.sampleRate)).toISOString(),
    durationSeconds: frames / rec.sampleRate,
    frames,
    bytes,
    reason,
    sha256,
  };
}

/** The manifest entry of a closed file (its day: the local day of its start), chained when appended. */
export function manifestClosed(e: SegmentClosedEvent): PendingManifestEntry {
  return {
    day: e.startLocal.slice(0, 10),
    body: {
      op: 'closed',
      path: e.path,
      start: e.start,
      end: e.end,
      frames: e.frames,
      durationSeconds: e.durationSeconds,
      bytes: e.bytes,
      sha256: e.sha256!,
    },
  };
}

/** A gap from the sample end `startMs` (null: unknown) to `endMs`. */
export function gap(startMs: number | null, endMs: number, reason: Gap['reason']): Gap {
  return {
    start: startMs === null ? null : new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    seconds: startMs === null ? null : Math.round(endMs - startMs) / 1000,
    reason,
  };
}
