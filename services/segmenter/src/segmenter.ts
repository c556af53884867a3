import { SplitClock, ZoneClock } from '@isr/audio';
import { join } from 'node:path';
import { ConsumerNames, ContractError, decodeAudioHeaders, StreamNames } from '@isr/contract';
import { num, str, type RunningService, type ServiceContext, type Settings } from '@isr/runtime';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { streamAudioReader } from './audio-reader.ts';
import { validateChunk } from './chunk-validate.ts';
import { CodecInitCache } from './codec-init.ts';
import { ensureSegmenterConsumer, recreateSegmenterConsumer } from './consumer.ts';
import { SegmentEvents } from './events.ts';
import { JournalStore } from './journal.ts';
import { journalsFromDisk } from './disk-recovery.ts';
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

/** Starts the segmenter: repairs files a crash left open, then consumes ISR_AUDIO into files. */
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
  const writers = new Map<string, SourceWriter>();
  const writerOf = (source: string): SourceWriter => {
    let w = writers.get(source);
    if (!w) writers.set(source, (w = new SourceWriter(settingsOf(source), deps)));
    return w;
  };

  // 1. Repair what a crash left open, before anything new is written (a corrupt journal is set aside;
  // a failure here — full disk, I/O error — holds that source instead of stopping the service).
  let journals = await journal.readAll(log);
  let replayFrom: number | null = null;
  if (journal.setAside) ({ journals, replayFrom } = await journalsFromDisk(config.sources.map((x) => settingsOf(x.name)), deps.reader, bus.jsm, log));
  for (const j of journals) {
    const w = writerOf(j.source);
    await w.run(() => w.recoverAtStart(j));
  }

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

  // Retention and the disk guard: index the archive in the background, delete on a timer.
  const retention = new Retention(
    {
      roots: [str(general, 'output_directory'), ...config.sources.map((x) => str(x.settings, 'output_directory'))],
      keepDaysOf: (source) => num(sectionOf(source), 'keep_days'),
      minFreeBytes: num(general, 'min_free_mb') * 1024 * 1024,
      checkMs: num(general, 'disk_check_seconds') * 1000,
      rescanMs: opts.archiveRescanMs,
    },
    {
      log, metrics, events, analysisKv: bus.kv.analysis, now,
      openFiles: () => new Set([...writers.values()].flatMap((w) => {
        const file = w.status().file;
        return file ? [join(str(sectionOf(w.source), 'output_directory'), file)] : [];
      })),
    },
  );
  events.onClosed = (e) => void retention.closed(str(sectionOf(e.source), 'output_directory'), e.path, e.source);
  retention.start();

  // 2. The durable consumer, replaying unacknowledged chunks first.
  await ensureSegmenterConsumer(bus.jsm, log, replayFrom);
  // Missing consumer = an error out of the iterator (not endless silent retries): it is re-created below.
  const consume = async (): Promise<ConsumerMessages> =>
    (await bus.js.consumers.get(StreamNames.audio, ConsumerNames.segmenter)).consume({ max_messages: 512, abort_on_missing_resource: true });
  let messages: ConsumerMessages = await consume();
  /** Highest stream sequence delivered: everything after it was never seen. */
  let maxDelivered = 0;
  const onFatal = opts.onFatal ?? ((err: unknown) => {
    log.fatal({ err }, 'the segmenter cannot consume ISR_AUDIO any more; exiting with status 1 so the supervisor restarts it');
    log.flush();
    process.exit(1);
  });

  const maxInFlight = opts.maxInFlight ?? 4096;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let loopError: unknown = null;
  let stopping = false;

  const dispatch = (m: JsMsg) => {
    let meta;
    let units;
    try {
      meta = decodeAudioHeaders((n) => m.headers?.get(n) || undefined);
      units = validateChunk(meta, m.data);
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      metrics.poison.inc();
      log.warn({ err, subject: m.subject, seq: m.seq }, 'poison audio message terminated');
      m.term(); // no reason text: nats-server 2.9 does not understand '+TERM <reason>'
      return;
    }
    const w = writerOf(meta.source);
    if (m.seq > maxDelivered) maxDelivered = m.seq;
    metrics.chunks.inc({ source: meta.source });
    inFlight++;
    void runOrFail(w, async () => {
      await w.handle(m, meta, units);
      if (w.pendingCount >= COMMIT_BATCH) await w.commit();
    }).finally(() => {
      inFlight--;
      if (wake && inFlight < maxInFlight / 2) {
        wake();
        wake = null;
      }
    });
  };

  /** Where a re-created consumer must start: the first chunk not durably written, of any source. */
  const resumeSeq = (): number => Math.min(maxDelivered + 1, ...[...writers.values()].map((w) => w.resumeSeq() ?? Infinity));
  const recreated: number[] = [];
  const loop = (async () => {
    for (;;) {
      let ended: unknown = null;
      try {
        for await (const m of messages) {
          dispatch(m);
          if (inFlight >= maxInFlight) await new Promise<void>((r) => (wake = r));
        }
      } catch (err) {
        ended = err;
      }
      if (stopping) return;
      // The consumer disappeared (deleted by hand, lost with the server's store) or stopped delivering.
      const nowMs = now();
      while (recreated.length && recreated[0]! < nowMs - 60_000) recreated.shift();
      if (recreated.length >= 5) throw new Error('the segmenter consumer keeps disappearing (5 times in a minute)', { cause: ended });
      recreated.push(nowMs);
      const start = resumeSeq();
      log.error({ err: ended, start }, 'the segmenter consumer is gone or stopped delivering; re-creating it at the first chunk not yet written');
      await messages.close().catch(() => undefined);
      await recreateSegmenterConsumer(bus.jsm, log, start);
      messages = await consume();
    }
  })().catch((err: unknown) => {
    loopError = err;
    log.error({ err }, 'consumer loop died');
    if (!stopping) onFatal(err);
  });

  // 3. Commit (fsync → journal → ack), idle closing, status and consumer figures on timers.
  const ticking = { commit: false, status: false };
  const commitTimer = setInterval(() => {
    if (ticking.commit) return;
    ticking.commit = true;
    void Promise.all([...writers.values()].map((w) => runOrFail(w, async () => {
      await w.commit();
      await w.closeIfIdle();
    }))).finally(() => (ticking.commit = false));
  }, commitMs);
  const status = new StatusReporter(str(general, 'output_directory'), bus.kv.status, log);
  const statusTimer = setInterval(() => {
    // The lag grows while nothing is written (a stalled consumer shows), not only when a chunk is written.
    for (const w of writers.values()) {
      const last = w.status().lastChunk;
      if (last) metrics.lag.set({ source: w.source }, Math.max(0, (now() - Date.parse(last)) / 1000));
    }
    if (ticking.status) return;
    ticking.status = true;
    void status.report([...writers.values()]).finally(() => (ticking.status = false));
  }, num(general, 'status_interval_seconds') * 1000);
  const pendingTimer = setInterval(() => {
    bus.jsm.consumers.info(StreamNames.audio, ConsumerNames.segmenter).then((ci) => {
      metrics.pending.set(ci.num_pending);
      metrics.ackPending.set(ci.num_ack_pending);
    }, () => undefined);
  }, 5000);
  for (const t of [commitTimer, statusTimer, pendingTimer]) t.unref();
  log.info({ sources: config.sources.map((s) => s.name) }, 'segmenter consuming ISR_AUDIO');

  return {
    health: () => ({ ok: !loopError && !stopping, detail: { consumerLoop: loopError ? `died: ${String(loopError)}` : stopping ? 'stopping' : 'running', sources: writers.size } }),
    async close() {
      stopping = true;
      await retention.stop();
      clearInterval(commitTimer);
      clearInterval(statusTimer);
      clearInterval(pendingTimer);
      await messages.close().catch(() => undefined);
      await loop;
      await Promise.all([...writers.values()].map((w) => w.run(() => w.shutdown()).catch((err: unknown) => log.error({ err, source: w.source }, 'closing the file failed'))));
      await status.stop([...writers.values()]);
    },
  };
}
