import { ManifestWriter, type ServiceContext } from '@isr/runtime';
import { streamAudioReader } from './audio-reader.ts';
import { CodecInitCache } from './codec-init.ts';
import { SegmentEvents } from './events.ts';
import { JournalStore } from './journal.ts';
import type { SegmenterMetrics } from './metrics.ts';
import type { WriterDeps } from './writer-settings.ts';

/** What every source writer shares: the journal in the recordings root, the codec headers, events, the manifests. */
export function createWriterDeps(
  ctx: Pick<ServiceContext, 'log' | 'bus'>,
  metrics: SegmenterMetrics,
  outputDirectory: string,
  now: () => number,
): WriterDeps {
  const { log, bus } = ctx;
  const manifest = new ManifestWriter();
  manifest.onTorn = (file, torn) =>
    log.warn(
      { manifest: file, torn: torn.slice(0, 200) },
      'cut off a manifest line a crash or a full disk left incomplete (its entry is appended again from the journal)',
    );
  return {
    log,
    metrics,
    events: new SegmentEvents(bus.js, log),
    codecInit: new CodecInitCache(bus.kv.codec),
    journal: new JournalStore(outputDirectory),
    manifest,
    reader: streamAudioReader(bus.jsm),
    now,
  };
}
