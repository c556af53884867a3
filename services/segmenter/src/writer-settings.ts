import type { SplitClock, ZoneClock } from '@isr/audio';
import type { ManifestWriter } from '@isr/runtime';
import type { Logger } from 'pino';
import type { AudioReader } from './audio-reader.ts';
import type { CodecInitCache } from './codec-init.ts';
import type { SegmentEvents } from './events.ts';
import type { JournalStore } from './journal.ts';
import type { SegmenterMetrics } from './metrics.ts';

/** How one source's files are named, split and written (from its config section). */
export interface SourceSettings {
  source: string;
  /** Absolute recordings root of this source (relative paths in events are below it). */
  outputDirectory: string;
  template: string;
  zone: ZoneClock;
  split: SplitClock;
  pcmContainer: 'wav' | 'flac';
  flacCompression: number;
  headerRewriteMs: number;
  /** Close a file this long after its boundary passed with no data. */
  idleGraceMs: number;
}

/** What a source writer is given (shared by all sources). */
export interface WriterDeps {
  log: Logger;
  metrics: SegmenterMetrics;
  events: SegmentEvents;
  codecInit: CodecInitCache;
  journal: JournalStore;
  /** Appends the closed files' entries to the per-day, hash-chained manifests. */
  manifest: ManifestWriter;
  /** Reads a held source's chunks back from ISR_AUDIO (catch-up after a write failure). */
  reader: AudioReader;
  now: () => number;
}
