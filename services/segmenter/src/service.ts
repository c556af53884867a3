import { leaseTimings, type RunningService, type ServiceContext } from '@isr/runtime';
import type { Logger } from 'pino';
import { AudioStreamWatch, watchSourcesOnBus } from './consumer.ts';
import { SegmenterGroup } from './group.ts';
import { createSegmenterMetrics } from './metrics.ts';
import { OwnedSources } from './owned-sources.ts';
import { Retention } from './retention.ts';
import { segmenterSettings } from './segmenter-settings.ts';
import { startSegmenterTimers } from './segmenter-timers.ts';
import { StatusReporter } from './status-report.ts';
import { createWriterDeps } from './writer-deps.ts';

/**
 * How long after ISR_AUDIO changed leader no source counts as idle: a capture's publishes wait out their ack
 * timeout (2 s) and go again to the new leader, so its chunks arrive late.
 */
const AUDIO_SETTLE_MS = 15_000;

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

/** Logs the loop's death and exits with status 1, so the supervisor restarts the segmenter. */
const exitOnFatal =
  (log: Logger) =>
  (err: unknown): void => {
    log.fatal(
      { err },
      'the segmenter cannot consume ISR_AUDIO any more; exiting with status 1 so the supervisor restarts it',
    );
    log.flush();
    process.exit(1);
  };

/** Starts the segmenter: a member of the segmenter group, writing the sources whose leases it holds. */
export async function startSegmenter(ctx: ServiceContext, opts: SegmenterOptions = {}): Promise<RunningService> {
  const { log, registry, bus } = ctx;
  const now = opts.now ?? Date.now;
  const settings = segmenterSettings(ctx.config, opts);
  const metrics = createSegmenterMetrics(registry);
  const deps = createWriterDeps(ctx, metrics, settings.outputDirectory, now);
  // Retention and the disk guard: on one member of the group at a time (its own lease); files open in any
  // member are known from the journals every member writes in the shared directory.
  const retention = new Retention(
    {
      roots: settings.roots,
      keepDaysOf: settings.keepDaysOf,
      minFreeBytes: settings.minFreeBytes,
      checkMs: settings.diskCheckMs,
      rescanMs: opts.archiveRescanMs,
    },
    {
      log,
      metrics,
      events: deps.events,
      manifest: deps.manifest,
      analysisKv: bus.kv.analysis,
      now,
      openFiles: () => deps.journal.openFiles(settings.sources, settings.outputDirectoryOf),
    },
  );
  deps.events.onClosed = (e) => void retention.closed(settings.outputDirectoryOf(e.source), e.path, e.source);

  const onFatal = opts.onFatal ?? exitOnFatal(log);
  let loopError: unknown = null;
  let stopping = false;
  const audioWatch = new AudioStreamWatch(now, AUDIO_SETTLE_MS);
  const sources = new OwnedSources({
    bus,
    log,
    metrics,
    deps,
    journal: deps.journal,
    settingsOf: (source) => settings.source(source),
    configured: settings.sources,
    member: (): string => group.member,
    maxInFlight: opts.maxInFlight ?? 4096,
    onFatal: (err) => {
      loopError = err;
      if (!stopping) onFatal(err);
    },
    onFenced: (source) => void group.drop(source),
    audioUnsettled: () => audioWatch.unsettled(),
  });
  const status = new StatusReporter(settings.outputDirectory, bus.kv.status, log);
  const group = new SegmenterGroup({
    kv: bus.kv.leases,
    jsm: bus.jsm,
    sources: watchSourcesOnBus(bus.jsm, settings.sources, audioWatch),
    timings: leaseTimings(settings.failoverSeconds),
    log,
    own: (source, fence) => sources.own(source, fence),
    retention,
    onMembers: (n) => metrics.members.set(n),
  });
  group.start();
  const stopTimers = startSegmenterTimers({
    sources,
    status,
    metrics,
    now,
    member: () => group.member,
    commitMs: settings.commitMs,
    statusMs: settings.statusMs,
  });
  log.info(
    { sources: settings.sources, member: group.member },
    'segmenter consuming ISR_AUDIO (each source is written by the member of the segmenter group that holds its lease)',
  );

  return {
    health: () => ({
      ok: !loopError && !stopping,
      detail: {
        consumerLoop: loopError ? `died: ${String(loopError)}` : stopping ? 'stopping' : 'running',
        member: group.member,
        members: group.members.length,
        sources: group.owned(),
      },
    }),
    async close() {
      stopping = true;
      stopTimers();
      const last = sources.writers();
      await group.stop();
      await status.stop(last);
    },
  };
}
