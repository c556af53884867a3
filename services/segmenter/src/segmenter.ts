import { SplitClock, ZoneClock } from '@isr/audio';
import { ConsumerNames, ContractError, decodeAudioHeaders, StreamNames } from '@isr/contract';
import { num, str, type RunningService, type ServiceContext, type Settings } from '@isr/runtime';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { validateChunk } from './chunk-validate.ts';
import { CodecInitCache } from './codec-init.ts';
import { ensureSegmenterConsumer } from './consumer.ts';
import { closedEvent } from './event-bodies.ts';
import { SegmentEvents } from './events.ts';
import { JournalStore } from './journal.ts';
import { createSegmenterMetrics } from './metrics.ts';
import { recoverFile } from './recovery.ts';
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
  const deps: WriterDeps = { log, metrics, events: new SegmentEvents(bus.js, log), codecInit, journal, now };
  const commitMs = opts.commitIntervalMs ?? num(general, 'commit_interval_seconds') * 1000;
  const idleGraceMs = opts.idleGraceMs ?? num(general, 'idle_close_seconds') * 1000;
  const zones = new Map<string, ZoneClock>();

  const settingsOf = (source: string): SourceSettings => {
    const s: Settings = config.sources.find((x) => x.name === source)?.settings ?? general;
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

  const writers = new Map<string, SourceWriter>();
  const writerOf = (source: string): SourceWriter => {
    let w = writers.get(source);
    if (!w) writers.set(source, (w = new SourceWriter(settingsOf(source), deps)));
    return w;
  };

  // 1. Repair what a crash left open, before anything new is written.
  for (const j of await journal.readAll()) {
    const w = writerOf(j.source);
    if (!j.file) {
      w.restore(j, null);
      continue;
    }
    const r = await recoverFile(j.source, j.file, codecInit, log);
    metrics.recovered.inc({ source: j.source, container: j.file.container });
    if (r.kind === 'continue') {
      log.info({ source: j.source, path: j.file.rel, bytes: j.file.byteLength }, 'repaired a file left open; continuing it');
      w.restore(j, { rec: j.file, sink: r.sink });
    } else {
      const offset = j.file.firstOffset + j.file.frames;
      w.restore({ ...j, file: null, session: j.file.session, sessionStartMs: j.file.sessionStartMs, offset }, null);
      if (r.kind === 'finished') {
        log.info({ source: j.source, path: j.file.rel, frames: r.frames }, 'repaired a FLAC file left open and finished it');
        await deps.events.closed(closedEvent(j.source, j.file, settingsOf(j.source).zone, r.frames, r.bytes, 'error'));
      }
      await w.run(() => w.commit());
    }
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

  // 2. The durable consumer, replaying unacknowledged chunks first.
  await ensureSegmenterConsumer(bus.jsm, log);
  const consumer = await bus.js.consumers.get(StreamNames.audio, ConsumerNames.segmenter);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 512 });

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

  const loop = (async () => {
    for await (const m of messages) {
      dispatch(m);
      if (inFlight >= maxInFlight) await new Promise<void>((r) => (wake = r));
    }
    if (!stopping) throw new Error('the consumer stopped delivering (deleted or closed by the server)');
  })().catch((err: unknown) => {
    loopError = err;
    log.error({ err }, 'consumer loop died');
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
