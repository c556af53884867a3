import { SplitClock, ZoneClock } from '@isr/audio';
import { ContractError, decodeAudioHeaders } from '@isr/contract';
import { leaseTimings, num, str, type LeaseFence, type RunningService, type ServiceContext, type Settings } from '@isr/runtime';
import type { JsMsg } from '@nats-io/jetstream';
import { streamAudioReader } from './audio-reader.ts';
import { validateChunk } from './chunk-validate.ts';
import { CodecInitCache } from './codec-init.ts';
import { consumerLister, createSourceConsumer, planSourceConsumer, retireLegacyConsumer, sourceConsumerName, watchSourcesOnBus } from './consumer.ts';
import { SegmentEvents } from './events.ts';
import { JournalStore } from './journal.ts';
import { journalFromDisk } from './disk-recovery.ts';
import { SegmenterGroup, type OwnedSource, type ReleaseMode } from './group.ts';
import { SourceFeed } from './source-feed.ts';
import { createSegmenterMetrics } from './metrics.ts';
import { Retention } from './retention.ts';
import { SourceWriter } from './source-writer.ts';
import type { SourceSettings, WriterDeps } from './writer-settings.ts';
import { StatusReporter } from './status-report.ts';

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

const COMMIT_BATCH = 64;

/** Starts the segmenter: a member of the segmenter group, writing the sources whose leases it holds. */
export async function startSegmenter(ctx: ServiceContext, opts: SegmenterOptions = {}): Promise<RunningService> {
  const { config, log, registry, bus } = ctx;
  const now = opts.now ?? Date.now;
  const metrics = createSegmenterMetrics(registry);
  const general = config.general;
  const journal = new JournalStore(str(general, 'output_directory'));
  const codecInit = new CodecInitCache(bus.kv.codec);
  const events = new SegmentEvents(bus.js, log);
  const deps: WriterDeps = { log, metrics, events, codecInit, journal, reader: streamAudioReader(bus.jsm), now };
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
  /** The sources this member owns, each with its writer and its consumer feed. */
  const owned = new Map<string, { writer: SourceWriter; feed: SourceFeed | null }>();
  const writers = () => [...owned.values()].map((o) => o.writer);

  /** Runs `fn` in the writer's order; a failure is handed to the writer's recovery (`fail`), whose own failure is logged. */
  const runOrFail = (w: SourceWriter, fn: () => Promise<void>): Promise<void> =>
    w
      .run(async () => {
        try {
          await fn();
        } catch (err) {
          await w.fail(err);
        }
      })
      .catch((err: unknown) => log.error({ err, source: w.source }, 'recovering from a write failure failed'));

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
    { log, metrics, events, analysisKv: bus.kv.analysis, now, openFiles: () => journal.openFiles(config.sources.map((x) => x.name), (source) => str(sectionOf(source), 'output_directory')) },
  );
  events.onClosed = (e) => void retention.closed(str(sectionOf(e.source), 'output_directory'), e.path, e.source);

  const onFatal = opts.onFatal ?? ((err: unknown) => {
    log.fatal({ err }, 'the segmenter cannot consume ISR_AUDIO any more; exiting with status 1 so the supervisor restarts it');
    log.flush();
    process.exit(1);
  });
  let loopError: unknown = null;
  let stopping = false;

  // Chunks queued in memory across all sources: the feeds wait while it is at the bound.
  const maxInFlight = opts.maxInFlight ?? 4096;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const dispatch = (w: SourceWriter, m: JsMsg): Promise<void> | void => {
    let meta;
    let units;
    try {
      meta = decodeAudioHeaders((n) => m.headers?.get(n) || undefined);
      if (meta.source !== w.source) throw new ContractError(`chunk of ${meta.source} on the subject of ${w.source}`);
      units = validateChunk(meta, m.data);
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      metrics.poison.inc();
      log.warn({ err, subject: m.subject, seq: m.seq }, 'poison audio message terminated');
      m.term(); // no reason text: nats-server 2.9 does not understand '+TERM <reason>'
      return;
    }
    metrics.chunks.inc({ source: meta.source });
    inFlight++;
    void runOrFail(w, async () => {
      await w.handle(m, meta, units);
      if (w.pendingCount >= COMMIT_BATCH) await w.commit();
    }).finally(() => {
      inFlight--;
      if (inFlight < maxInFlight / 2) for (const wake of waiting.splice(0)) wake();
    });
    if (inFlight >= maxInFlight) return new Promise<void>((r) => waiting.push(r));
  };

  /**
   * This member takes a source (its lease, whose fence is checked before every write and ack): the journal's
   * open file is repaired and continued exactly as after a crash, then the source is consumed from where the
   * previous owner's consumer stopped acknowledging.
   */
  const consumers = consumerLister(bus.jsm);
  let legacyRetired = false;
  const own = async (source: string, fence: LeaseFence): Promise<OwnedSource> => {
    const s = settingsOf(source);
    const slog = log.child({ source });
    const w = new SourceWriter(s, deps, () => fence.valid());
    const entry = { writer: w, feed: null as SourceFeed | null };
    owned.set(source, entry);
    metrics.owned.set({ source, member: group.member }, 1);
    try {
      const { journal: j, setAside } = await journal.read(source, slog);
      const plan = await planSourceConsumer(consumers, source);
      let start = plan.startSeq;
      let rec = j;
      if (setAside) {
        // A corrupt journal: rebuilt from the file on disk and the stream (a failure here starts without it).
        const r = await journalFromDisk(s, deps.reader, plan.startSeq ?? 1, slog).catch((err: unknown) => {
          slog.error({ err }, 'could not rebuild the journal from disk; starting the source without it');
          return null;
        });
        rec = r?.journal ?? null;
        if (r?.replayFrom != null) start = Math.min(start ?? Infinity, r.replayFrom);
      }
      if (rec) await w.run(() => w.recoverAtStart(rec));
      const consumer = sourceConsumerName(source, fence.token);
      await createSourceConsumer(bus.jsm, source, consumer, start, plan.predecessors, slog);
      if (!legacyRetired) void retireLegacyConsumer(bus.jsm, consumers, config.sources.map((x) => x.name), log).then((done) => (legacyRetired ||= done), () => undefined);
      entry.feed = new SourceFeed({
        js: bus.js, jsm: bus.jsm, source, consumer, log: slog, now,
        dispatch: (m) => dispatch(w, m),
        holding: () => fence.valid(),
        resumeSeq: () => w.resumeSeq(),
        onFatal: (err) => {
          loopError = err;
          if (!stopping) onFatal(err);
        },
      });
      await entry.feed.start();
    } catch (err) {
      owned.delete(source);
      metrics.owned.set({ source, member: group.member }, 0);
      await w.run(() => w.detach());
      throw err;
    }
    return {
      release: async (mode: ReleaseMode) => {
        await entry.feed?.close();
        if (mode === 'lost') await w.run(() => w.detach());
        else if (mode === 'handover') await w.run(() => w.handOver());
        else await w.run(() => w.shutdown()).catch((err: unknown) => slog.error({ err }, 'closing the file failed'));
        owned.delete(source);
        metrics.owned.set({ source, member: group.member }, 0);
        // the new owner reports these now: no stale copy from this member
        metrics.lag.remove({ source });
        metrics.held.remove({ source });
        slog.info({ mode }, mode === 'lost' ? 'stopped writing the source: its lease moved to another segmenter' : mode === 'handover' ? 'handed the source over to another segmenter (file left open for it)' : 'stopped writing the source');
      },
    };
  };

  const status = new StatusReporter(str(general, 'output_directory'), bus.kv.status, log);
  const group = new SegmenterGroup({
    kv: bus.kv.leases,
    jsm: bus.jsm,
    sources: watchSourcesOnBus(bus.jsm, config.sources.map((x) => x.name)),
    timings: leaseTimings(num(general, 'failover_seconds')),
    log,
    own,
    retention,
    onMembers: (n) => metrics.members.set(n),
  });
  group.start();

  // Commit (fsync → journal → ack), idle closing, status and consumer figures on timers.
  const ticking = { commit: false, status: false };
  const commitTimer = setInterval(() => {
    if (ticking.commit) return;
    ticking.commit = true;
    void Promise.all([...owned.values()].map(({ writer: w, feed }) => runOrFail(w, async () => {
      await w.commit();
      await w.closeIfIdle(() => feed?.audioWaiting() ?? Promise.resolve(false));
    }))).finally(() => (ticking.commit = false));
  }, commitMs);
  const statusTimer = setInterval(() => {
    // The lag grows while nothing is written (a stalled consumer shows), not only when a chunk is written.
    for (const w of writers()) {
      const last = w.status().lastChunk;
      if (last) metrics.lag.set({ source: w.source }, Math.max(0, (now() - Date.parse(last)) / 1000));
    }
    if (ticking.status) return;
    ticking.status = true;
    void status.report(writers(), group.member).finally(() => (ticking.status = false));
  }, num(general, 'status_interval_seconds') * 1000);
  const pendingTimer = setInterval(() => {
    void Promise.all([...owned.values()].map((o) => o.feed?.info() ?? null)).then((infos) => {
      const known = infos.filter((i) => i !== null);
      metrics.pending.set(known.reduce((a, i) => a + i.pending, 0));
      metrics.ackPending.set(known.reduce((a, i) => a + i.ackPending, 0));
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
      const last = writers();
      await group.stop();
      await status.stop(last);
    },
  };
}
