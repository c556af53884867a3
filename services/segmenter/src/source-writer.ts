import { timeOfFrame } from '@isr/audio';
import { chunkTimeMs, type AudioChunkMeta, type AudioUnit, type Gap, type RecorderStatus } from '@isr/contract';
import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { AckTracker } from './ack-tracker.ts';
import { writePcm, writeUnits, type FileCursor } from './chunk-writes.ts';
import { closedEvent, gap, openedEvent } from './event-bodies.ts';
import type { DurableState, Journal, OpenFileRecord } from './journal.ts';
import { abandonAndRepair, createFile, finishFile, resumedFile, type OpenFile } from './recording-file.ts';
import type { Sink } from './sink.ts';
import type { SourceSettings, WriterDeps } from './writer-settings.ts';

interface Position {
  session: string;
  sessionStartMs: number;
  sampleRate: number;
  /** Next session offset expected. */
  offset: number;
  /** Epoch ms just after the last sample. */
  endMs: number;
}

/**
 * Writes one source's chunks into clock-aligned files, in order, exactly once: a chunk (or the part of it)
 * already in the files is skipped by its (session, offset); messages are acknowledged only after the data
 * they carry is fsynced and the journal records it. Calls are serialised through `run`.
 */
export class SourceWriter {
  readonly source: string;
  readonly #s: SourceSettings;
  readonly #d: WriterDeps;
  readonly #log: Logger;
  #tail: Promise<unknown> = Promise.resolve();
  #pos: Position | null = null;
  #durable: DurableState = { session: null, sessionStartMs: 0, offset: 0, endMs: null };
  #file: OpenFile | null = null;
  #pendingGaps: Gap[] = [];
  #dirty = false;
  readonly #acks: AckTracker;
  #lastError: string | null = null;
  #lastChunkMs: number | null = null;
  /** Wall clock when a chunk of this source last arrived (or the writer started): idle closing waits for silence on the bus, not only for the period to be over. */
  #lastArrivalWallMs: number;
  /** How the chunk writes (chunk-writes.ts) reach this writer's file state. */
  readonly #cursor: FileCursor = {
    current: () => this.#file,
    open: (meta, offset) => this.#openFile(meta, offset),
    closeForSplit: () => this.#closeFile('split'),
    advance: (meta, offset) => this.#advance(meta, offset),
    wrote: (bytes) => this.#d.metrics.bytes.inc({ source: this.source }, bytes),
  };

  constructor(settings: SourceSettings, deps: WriterDeps) {
    this.source = settings.source;
    this.#s = settings;
    this.#d = deps;
    this.#lastArrivalWallMs = deps.now();
    this.#log = deps.log.child({ source: settings.source });
    this.#acks = new AckTracker(deps.now);
  }

  /** Runs `fn` after everything queued before it (per-source order). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.#tail.then(fn);
    this.#tail = p.catch(() => undefined);
    return p;
  }

  get pendingCount(): number {
    return this.#acks.count;
  }

  /** Restores the state a journal describes; `file` is the recovered open file (or null). */
  restore(j: Journal, file: { rec: OpenFileRecord; sink: Sink } | null): void {
    if (j.session) {
      this.#durable = { session: j.session, sessionStartMs: j.sessionStartMs, offset: j.offset, endMs: j.endMs };
      const rate = j.file?.sampleRate ?? 48000;
      this.#pos = { session: j.session, sessionStartMs: j.sessionStartMs, sampleRate: rate, offset: j.offset, endMs: j.endMs ?? j.sessionStartMs };
    }
    if (file) {
      const r = file.rec;
      const offset = r.firstOffset + r.frames;
      const endMs = timeOfFrame(offset, r.sessionStartMs, r.sampleRate);
      this.#durable = { session: r.session, sessionStartMs: r.sessionStartMs, offset, endMs };
      this.#pos = { session: r.session, sessionStartMs: r.sessionStartMs, sampleRate: r.sampleRate, offset, endMs };
      this.#file = resumedFile(r, file.sink, this.#d.now());
    }
  }

  /** Writes one chunk (already validated). The message is acknowledged by a later commit. */
  async handle(msg: JsMsg, meta: AudioChunkMeta, units: AudioUnit[] | null): Promise<void> {
    const frames = units ? units.reduce((a, u) => a + u.samples, 0) : meta.frames;
    const end = meta.offset + frames;
    this.#lastArrivalWallMs = this.#d.now();
    const hold = this.#acks.holdBack(msg, meta.session, meta.sessionStartMs, meta.offset, end);
    if (hold === 'hold') return;
    if (hold === 'resumed') this.#lastError = null;
    if (hold === 'expired') this.#log.warn('the chunk after a write failure did not come again; going on (the hole is recorded as a gap)');
    this.#acks.add(msg, meta.session, meta.sessionStartMs, meta.offset, end);
    this.#dirty = true;
    const pos = this.#pos;
    let from = meta.offset;
    if (pos && pos.session === meta.session) {
      if (end <= pos.offset) {
        this.#d.metrics.duplicates.inc({ source: this.source });
        return;
      }
      if (meta.offset > pos.offset) {
        await this.#closeFile('split');
        this.#pendingGaps.push(gap(pos.endMs, chunkTimeMs(meta), 'discontinuity'));
        this.#log.warn({ session: meta.session, expected: pos.offset, got: meta.offset }, 'sequence hole in the session: gap recorded');
      } else if (meta.offset < pos.offset) {
        this.#d.metrics.duplicates.inc({ source: this.source });
        from = pos.offset;
      }
    } else if (pos && meta.sessionStartMs < pos.sessionStartMs) {
      this.#d.metrics.duplicates.inc({ source: this.source });
      return;
    } else if (pos) {
      await this.#closeFile('new-session');
      this.#pendingGaps.push(gap(pos.endMs, chunkTimeMs(meta), 'new-session'));
    }
    if (!this.#pos || this.#pos.session !== meta.session || from > this.#pos.offset) {
      this.#pos = { session: meta.session, sessionStartMs: meta.sessionStartMs, sampleRate: meta.sampleRate, offset: from, endMs: timeOfFrame(from, meta.sessionStartMs, meta.sampleRate) };
    }
    if (units) await writeUnits(this.#cursor, msg.data, meta, units, from);
    else await writePcm(this.#cursor, msg.data, meta, from, end);
    this.#lastChunkMs = this.#pos.endMs;
    this.#d.metrics.lag.set({ source: this.source }, Math.max(0, (this.#d.now() - this.#pos.endMs) / 1000));
  }

  #advance(meta: AudioChunkMeta, offset: number): void {
    this.#pos = { session: meta.session, sessionStartMs: meta.sessionStartMs, sampleRate: meta.sampleRate, offset, endMs: timeOfFrame(offset, meta.sessionStartMs, meta.sampleRate) };
  }

  async #openFile(meta: AudioChunkMeta, offset: number): Promise<OpenFile> {
    const file = await createFile({ settings: this.#s, codecInit: this.#d.codecInit, log: this.#log, meta, offset, gaps: this.#pendingGaps, now: this.#d.now() });
    const rec = file.rec;
    this.#pendingGaps = [];
    this.#file = file;
    // Everything before this file is in closed files: the durable position is the file's start.
    this.#durable = { session: meta.session, sessionStartMs: meta.sessionStartMs, offset, endMs: rec.startMs };
    await this.#writeJournal();
    this.#d.metrics.filesOpened.inc({ source: this.source });
    this.#log.info({ path: rec.rel, start: new Date(rec.startMs).toISOString() }, 'file opened');
    await this.#d.events.opened(openedEvent(this.source, rec, this.#s.zone));
    return file;
  }

  async #closeFile(reason: 'split' | 'new-session' | 'idle' | 'shutdown' | 'error'): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#file = null;
    const { durable: d, endOffset, endMs } = await finishFile(file);
    const rec = file.rec;
    this.#durable = { session: rec.session, sessionStartMs: rec.sessionStartMs, offset: endOffset, endMs };
    await this.#writeJournal();
    this.#d.metrics.filesClosed.inc({ source: this.source, reason });
    this.#log.info({ path: rec.rel, reason, frames: d.frames, bytes: d.bytes }, 'file closed');
    await this.#d.events.closed(closedEvent(this.source, rec, this.#s.zone, d.frames, d.bytes, reason));
  }

  async #writeJournal(): Promise<void> {
    const f = this.#file;
    await this.#d.journal.write({ v: 1, source: this.source, ...this.#durable, file: f ? { ...f.rec } : null });
  }

  /** fsync the open file, record it in the journal, then acknowledge every message it now covers. */
  async commit(): Promise<void> {
    if (!this.#dirty && !this.#acks.count) return;
    const f = this.#file;
    if (f) {
      const now = this.#d.now();
      const rewrite = now - f.lastHeaderRewrite >= this.#s.headerRewriteMs;
      if (rewrite) f.lastHeaderRewrite = now;
      const d = await f.sink.sync(rewrite);
      f.rec.byteLength = d.bytes;
      f.rec.frames = d.frames;
      f.rec.ogg = d.ogg ?? null;
      const offset = f.rec.firstOffset + d.frames;
      this.#durable = { session: f.rec.session, sessionStartMs: f.rec.sessionStartMs, offset, endMs: timeOfFrame(offset, f.rec.sessionStartMs, f.rec.sampleRate) };
    } else if (this.#pos) {
      // No file open: everything written is in closed (synced) files.
      this.#durable = { session: this.#pos.session, sessionStartMs: this.#pos.sessionStartMs, offset: this.#pos.offset, endMs: this.#pos.endMs };
    }
    await this.#writeJournal();
    this.#dirty = false;
    this.#acks.ackCovered(this.#durable);
  }

  /**
   * Closes the file when the wall clock is past its boundary by the grace AND no chunk arrived for the grace.
   * The second condition matters when a backlog is replayed (segmenter restart, capture flushing its outage
   * buffer): its periods all lie in the past, yet their chunks are still on the way.
   */
  async closeIfIdle(): Promise<void> {
    const f = this.#file;
    const now = this.#d.now();
    if (f && now > f.rec.endBoundaryMs + this.#s.idleGraceMs && now - this.#lastArrivalWallMs > this.#s.idleGraceMs) {
      await this.#closeFile('idle');
      await this.commit();
    }
  }

  async shutdown(): Promise<void> {
    await this.#closeFile('shutdown');
    await this.commit();
  }

  /**
   * A write failed (disk full, permissions…): the open file is cut back to its durable length and finished
   * (reason 'error'), every message not yet durable is given back (nak) and, until the chunk that continues
   * the durable position comes again, later chunks are given back too, so nothing is skipped as a hole.
   * After `REDELIVERY_WAIT_MS` without it, a hole is accepted and recorded as a gap.
   */
  async fail(err: unknown): Promise<void> {
    this.#lastError = err instanceof Error ? err.message : String(err);
    this.#d.metrics.writeErrors.inc({ source: this.source });
    if (this.#acks.recovering) this.#log.debug({ err }, 'writing failed again');
    else this.#log.error({ err }, 'writing failed; the chunks not yet on disk will be redelivered');
    const f = this.#file;
    if (f) {
      this.#file = null;
      if (await abandonAndRepair(this.source, f, this.#d.codecInit, this.#log)) {
        await this.#d.events.closed(closedEvent(this.source, f.rec, this.#s.zone, f.rec.frames, f.rec.byteLength, 'error'));
      }
      this.#d.metrics.filesClosed.inc({ source: this.source, reason: 'error' });
    }
    const d = this.#durable;
    this.#pos = d.session ? { session: d.session, sessionStartMs: d.sessionStartMs, sampleRate: this.#pos?.sampleRate ?? 48000, offset: d.offset, endMs: d.endMs ?? d.sessionStartMs } : null;
    this.#acks.giveBack(d);
  }

  status(): RecorderStatus {
    const f = this.#file;
    return {
      state: this.#lastError ? 'error' : f ? 'recording' : 'idle',
      file: f?.rec.rel ?? null,
      bytes: f?.bytes ?? 0,
      frames: f?.frames ?? 0,
      since: f ? new Date(f.rec.startMs).toISOString() : null,
      lastChunk: this.#lastChunkMs !== null ? new Date(this.#lastChunkMs).toISOString() : null,
      message: this.#lastError,
      updated: new Date(this.#d.now()).toISOString(),
    };
  }
}
