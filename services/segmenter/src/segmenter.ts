import { SplitClock, ZoneClock } from '@isr/audio';
import { leaseTimings, ManifestWriter, num, str, type RunningService, type ServiceContext, type Settings } from '@isr/runtime';
import { streamAudioReader } from './audio-reader.ts';
import { CodecInitCache } from './codec-init.ts';
import { watchSourcesOnBus } from './consumer.ts';
import { SegmentEvents } from './events.ts';
import { SegmenterGroup } from './group.ts';
import { JournalStore } from './journal.ts';
import { createSegmenterMetrics } from './metrics.ts';
import { OwnedSources } from './owned-sources.ts';
import { Retention } from './retention.ts';
import { StatusReporter } from './status-report.ts';
import type { SourceSettings, WriterDeps } from './writer-settings.ts';

export interface SegmenterOptions {
  /** Wall clock (only for idle closing, lag and status; never for audio time). */
  now?: () => number;
  /** Chunks queued in memory across all sources before the consumer loop waits. */
  maxInFlight?: number;
  commitIntervalMs?: number;
  idleGraceMs?: number;
  /**
   * Called when the consumer loop dies for good (the consumer cannot be re-created, the bus refuses
   * fetches): default logs and exits with status 1 so the supervisor restarts the segmenter — never a
   * healthy-looking process that records nothing. Files are crash-safe, so exiting loses nothing.
   */
  onFatal?: (err: unknown) => void;
  /** How often retention walks the recordings again (default a day). */
  archiveRescanMs?: number;
}

/** Starts the segmenter: a member of the segmenter group, writing the sources whose leases it holds. */
export async function startSegmenter(ctx: ServiceContext, opts: SegmenterOptions = {}): Promise<RunningService> {
  const { config, log, registry, bus } = ctx;
  const now = opts.now ?? Date.now;
  const metrics = createSegmenterMetrics(registry);
  const general = config.general;
  const journal = new JournalStore(str(general, 'output_directory'));
  const codecInit = new CodecInitCache(bus.kv.codec);
  const events = new SegmentEvents(bus.js, log);
  const manifest = new ManifestWriter();
  manifest.onTorn = (file, torn) => log.warn({ manifest: file, torn: torn.slice(0, 200) }, 'cut off a manifest line a crash or a full disk left incomplete (its entry is appended again from the journal)');
  const deps: WriterDeps = { log, metrics, events, codecInit, journal, manifest, reader: streamAudioReader(bus.jsm), now };
  const commitMs = opts.commitIntervalMs ?? num(general, 'commit_interval_seconds') * 1000;
  const idleGraceMs = opts.idleGraceMs ?? num(general, 'idle_close_seconds') * 1000;
  const zones = new Map<string, ZoneClock>();

  const settingsOf = (source: string): SourceSettings => {
    const s = sectionOf(source);
    const tzName = str(s, 'timezone');
    let zone = zones.get(tzName);
    if (!zone) zones.set(tzName, (zone = new ZoneClock(tzName)));
    const fmt = typeof s.format === 'string' ? s.format : 'wav';
    return {
      source,
      outputDirectory: str(s, 'output_directory'),
      template: str(s, 'filename_template'),
      zone,
      split: new SplitClock(num(s, 'split_minutes'), zone),
      pcmContainer: fmt === 'flac' ? 'flac' : 'wav',
      flacCompression: typeof s.flac_compression === 'number' ? s.flac_compression : 5,
      headerRewriteMs: num(general, 'header_rewrite_seconds') * 1000,
      idleGraceMs,
    };
  };

  const sectionOf = (source: string): Settings => config.sources.find((x) => x.name === source)?.settings ?? general;
  // Retention and the disk guard: on one member of the group at a time (its own lease); files open in any
  // member are known from the journals every member writes in the shared directory.
  const retention = new Retention(
    {
      roots: [str(general, 'output_directory'), ...config.sources.map((x) => str(x.settings, 'output_directory'))],
      keepDaysOf: (source) => num(sectionOf(source), 'keep_days'),
      minFreeBytes: num(general, 'min_free_mb') * 1024 * 1024,
      checkMs: num(general, 'disk_check_seconds') * 1000,
      rescanMs: opts.archiveRescanMs,
    },
    { log, metrics, events, manifest, analysisKv: bus.kv.analysis, now, openFiles: () => journal.openFiles(config.sources.map((x) => x.name), (source) => str(sectionOf(source), 'output_directory')) },
  );
  events.onClosed = (e) => void retention.closed(str(sectionOf(e.source), 'output_directory'), e.path, e.source);

  const onFatal = opts.onFatal ?? ((err: unknown) => {
    log.fatal({ err }, 'the segmenter cannot consume ISR_AUDIO any more; exiting with status 1 so the supervisor restarts it');
    log.flush();
    process.exit(1);
  });
  let loopError: unknown = null;
  let stopping = false;

  const sources = new OwnedSources({
    bus, log, metrics, deps, journal, settingsOf,
    configured: config.sources.map((x) => x.name),
    member: (): string => group.member,
    maxInFlight: opts.maxInFlight ?? 4096,
    onFatal: (err) => {
      loopError = err;
      if (!stopping) onFatal(err);
    },
    onFenced: (source) => void group.drop(source),
  });

  const status = new StatusReporter(str(general, 'output_directory'), bus.kv.status, log);
  const group = new SegmenterGroup({
    kv: bus.kv.leases,
    jsm: bus.jsm,
    sources: watchSourcesOnBus(bus.jsm, config.sources.map((x) => x.name)),
    timings: leaseTimings(num(general, 'failover_seconds')),
    log,
    own: (source, fence) => sources.own(source, fence),
    retention,
    onMembers: (n) => metrics.members.set(n),
  });
  group.start();

  // Commit (fsync → journal → ack), idle closing, status and consumer figures on timers.
  const ticking = { commit: false, status: false };
  const commitTimer = setInterval(() => {
    if (ticking.commit) return;
    ticking.commit = true;
    void sources.commitAll().finally(() => (ticking.commit = false));
  }, commitMs);
  const statusTimer = setInterval(() => {
    // The lag grows while nothing is written (a stalled consumer shows), not only when a chunk is written.
    for (const w of sources.writers()) {
      const last = w.status().lastChunk;
      if (last) metrics.lag.set({ source: w.source }, Math.max(0, (now() - Date.parse(last)) / 1000));
    }
    if (ticking.status) return;
    ticking.status = true;
    void status.report(sources.writers(), group.member).finally(() => (ticking.status = false));
  }, num(general, 'status_interval_seconds') * 1000);
  const pendingTimer = setInterval(() => {
    void sources.backlog().then((b) => {
      metrics.pending.set(b.pending);
      metrics.ackPending.set(b.ackPending);
    });
  }, 5000);
  for (const t of [commitTimer, statusTimer, pendingTimer]) t.unref();
  log.info({ sources: config.sources.map((s) => s.name), member: group.member }, 'segmenter consuming ISR_AUDIO (each source is written by the member of the segmenter group that holds its lease)');

  return {
    health: () => ({ ok: !loopError && !stopping, detail: { consumerLoop: loopError ? `died: ${String(loopError)}` : stopping ? 'stopping' : 'running', member: group.member, members: group.members.length, sources: group.owned() } }),
    async close() {
      stopping = true;
      clearInterval(commitTimer);
      clearInterval(statusTimer);
      clearInterval(pendingTimer);
      const last = sources.writers();
      await group.stop();
      await status.stop(last);
    },
  };
}
