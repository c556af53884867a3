import { ContractError, decodeAudioHeaders } from '@isr/contract';
import type { Bus, LeaseFence } from '@isr/runtime';
import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { validateChunk } from './chunk-validate.ts';
import {
  consumerLister,
  createSourceConsumer,
  planSourceConsumer,
  retireLegacyConsumer,
  sourceConsumerName,
} from './consumer.ts';
import { journalFromDisk } from './disk-recovery.ts';
import type { OwnedSource, ReleaseMode } from './group.ts';
import type { JournalStore } from './journal.ts';
import type { SegmenterMetrics } from './metrics.ts';
import { SourceFeed } from './source-feed.ts';
import { SourceWriter } from './source-writer.ts';
import type { SourceSettings, WriterDeps } from './writer-settings.ts';

const COMMIT_BATCH = 64;

export interface OwnedSourcesOptions {
  bus: Bus;
  log: Logger;
  metrics: SegmenterMetrics;
  deps: WriterDeps;
  journal: JournalStore;
  settingsOf(source: string): SourceSettings;
  /** The configured sources (the consumer of the first layout is retired once each has its own). */
  configured: readonly string[];
  /** This member's id in the group (for the ownership metric). */
  member(): string;
  /** Chunks queued in memory across all sources before the feeds wait. */
  maxInFlight: number;
  /** A feed's consumer cannot be kept alive: the segmenter cannot consume any more. */
  onFatal(err: unknown): void;
  /** A writer stopped at its fence: give the source up (the group takes it anew if it is still this member's). */
  onFenced(source: string): void;
  /** ISR_AUDIO changed leader lately: chunks may be late, no source is idle (AudioStreamWatch). */
  audioUnsettled(): boolean;
}

/**
 * The sources this member of the segmenter group writes: for each, its writer and its consumer feed. Taking
 * one repairs and continues the journal's open file exactly as after a crash and consumes from where the
 * previous owner's consumer stopped acknowledging; releasing it closes, hands over or abandons the file.
 */
export class OwnedSources {
  readonly #o: OwnedSourcesOptions;
  readonly #owned = new Map<string, { writer: SourceWriter; feed: SourceFeed | null }>();
  readonly #consumers;
  #legacyRetired = false;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(o: OwnedSourcesOptions) {
    this.#o = o;
    this.#consumers = consumerLister(o.bus.jsm);
  }

  writers(): SourceWriter[] {
    return [...this.#owned.values()].map((e) => e.writer);
  }

  /** Runs `fn` in the writer's order; a failure is handed to the writer's recovery (`fail`), whose own failure is logged. */
  runOrFail(w: SourceWriter, fn: () => Promise<void>): Promise<void> {
    return w
      .run(async () => {
        try {
          await fn();
        } catch (err) {
          await w.fail(err);
        }
      })
      .catch((err: unknown) => this.#o.log.error({ err, source: w.source }, 'recovering from a write failure failed'));
  }

  /** The commit tick: fsync → journal → ack for every source, then the idle close. */
  commitAll(): Promise<void[]> {
    return Promise.all(
      [...this.#owned.values()].map(({ writer: w, feed }) =>
        this.runOrFail(w, async () => {
          await w.commit();
          // before its feed runs (the source is being taken on), nobody can say the capture stopped
          await w.closeIfIdle(() =>
            this.#o.audioUnsettled() ? Promise.resolve(true) : (feed?.audioWaiting() ?? Promise.resolve(true)),
          );
        }),
      ),
    );
  }

  /** Undelivered and unacknowledged chunks over the owned sources' consumers (those that answer). */
  async backlog(): Promise<{ pending: number; ackPending: number }> {
    const infos = (await Promise.all([...this.#owned.values()].map((e) => e.feed?.info() ?? null))).filter(
      (i) => i !== null,
    );
    return {
      pending: infos.reduce((a, i) => a + i.pending, 0),
      ackPending: infos.reduce((a, i) => a + i.ackPending, 0),
    };
  }

  /** Hands a delivered chunk to its writer; resolves when the next may be taken (the in-flight bound). */
  #dispatch(w: SourceWriter, m: JsMsg): Promise<void> | void {
    const { metrics, log, maxInFlight } = this.#o;
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
      w.settlePoison(m);
      return;
    }
    metrics.chunks.inc({ source: meta.source });
    w.noteArrival();
    this.#inFlight++;
    void this.runOrFail(w, async () => {
      await w.handle(m, meta, units);
      if (w.pendingCount >= COMMIT_BATCH) await w.commit();
    }).finally(() => {
      this.#inFlight--;
      if (this.#inFlight < maxInFlight / 2) for (const wake of this.#waiting.splice(0)) wake();
    });
    if (this.#inFlight >= maxInFlight) return new Promise<void>((r) => this.#waiting.push(r));
  }

  /** Takes a source under its lease, whose fence the writer checks before every write and every ack. */
  async own(source: string, fence: LeaseFence): Promise<OwnedSource> {
    const { bus, metrics, deps, journal } = this.#o;
    const s = this.#o.settingsOf(source);
    const slog = this.#o.log.child({ source });
    const w = new SourceWriter(
      s,
      deps,
      () => fence.valid(),
      () => this.#o.onFenced(source),
    );
    const entry = { writer: w, feed: null as SourceFeed | null };
    this.#owned.set(source, entry);
    metrics.owned.set({ source, member: this.#o.member() }, 1);
    try {
      const { journal: j, setAside } = await journal.read(source, slog);
      const plan = await planSourceConsumer(this.#consumers, source);
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
      if (!this.#legacyRetired) {
        void retireLegacyConsumer(bus.jsm, this.#consumers, this.#o.configured, slog).then(
          (done) => (this.#legacyRetired ||= done),
          () => undefined,
        );
      }
      entry.feed = new SourceFeed({
        js: bus.js,
        jsm: bus.jsm,
        source,
        consumer,
        log: slog,
        now: deps.now,
        dispatch: (m) => this.#dispatch(w, m),
        holding: () => fence.valid(),
        resumeSeq: () => w.resumeSeq(),
        onFatal: (err) => this.#o.onFatal(err),
      });
      await entry.feed.start();
    } catch (err) {
      this.#forget(source);
      await w.run(() => w.detach());
      throw err;
    }
    return {
      release: async (mode: ReleaseMode) => {
        await entry.feed?.close();
        if (mode === 'lost') await w.run(() => w.detach());
        else if (mode === 'handover') await w.run(() => w.handOver());
        else await w.run(() => w.shutdown()).catch((err: unknown) => slog.error({ err }, 'closing the file failed'));
        this.#forget(source);
        slog.info(
          { mode },
          mode === 'lost'
            ? 'stopped writing the source: its lease moved to another segmenter'
            : mode === 'handover'
              ? 'handed the source over to another segmenter (file left open for it)'
              : 'stopped writing the source',
        );
      },
    };
  }

  #forget(source: string): void {
    const { metrics } = this.#o;
    this.#owned.delete(source);
    metrics.owned.set({ source, member: this.#o.member() }, 0);
    // the new owner reports these now: no stale copy from this member
    metrics.lag.remove({ source });
    metrics.held.remove({ source });
  }
}
