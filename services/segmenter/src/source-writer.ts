import { frameAtOrAfter, timeOfFrame, type SplitClock, type ZoneClock } from '@isr/audio';
import { type AudioChunkMeta, type AudioUnit, type Gap, type RecorderStatus } from '@isr/contract';
import type { JsMsg } from '@nats-io/jetstream';
import { AckTracker } from './ack-tracker.ts';
import { closedEvent, gap, openedEvent } from './event-bodies.ts';
import type { Logger } from 'pino';
import type { CodecInitCache } from './codec-init.ts';
import type { SegmentEvents } from './events.ts';
import { openSink } from './open-sink.ts';
import type { Journal, JournalStore, OpenFileRecord } from './journal.ts';
import type { SegmenterMetrics } from './metrics.ts';
import type { Sink } from './sink.ts';
import { recoverFile } from './recovery.ts';

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

export interface WriterDeps {
  log: Logger;
  metrics: SegmenterMetrics;
  events: SegmentEvents;
  codecInit: CodecInitCache;
  journal: JournalStore;
  now: () => number;
}

interface Position {
  session: string;
  sessionStartMs: number;
  sampleRate: number;
  /** Next session offset expected. */
  offset: number;
  /** Epoch ms just after the last sample. */
  endMs: number;
}

interface OpenFile {
  rec: OpenFileRecord;
  sink: Sink;
  /** PCM: session offset of the first frame at or after the end boundary. */
  endFrame: number;
  bytes: number;
  frames: number;
  lastHeaderRewrite: number;
}

const CONTAINER_OF_FORMAT = { mp3: 'mp3', aac: 'aac', ogg: 'ogg', flac: 'flac' } as const;

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
  #durable: { session: string | null; sessionStartMs: number; offset: number; endMs: number | null } = { session: null, sessionStartMs: 0, offset: 0, endMs: null };
  #file: OpenFile | null = null;
  #pendingGaps: Gap[] = [];
  #dirty = false;
  readonly #acks: AckTracker;
  #lastError: string | null = null;
  #lastChunkMs: number | null = null;

  constructor(settings: SourceSettings, deps: WriterDeps) {
    this.source = settings.source;
    this.#s = settings;
    this.#d = deps;
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

  get hasOpenFile(): boolean {
    return this.#file !== null;
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
      this.#file = {
        rec: r,
        sink: file.sink,
        endFrame: frameAtOrAfter(r.endBoundaryMs, r.sessionStartMs, r.sampleRate),
        bytes: r.byteLength,
        frames: r.frames,
        lastHeaderRewrite: this.#d.now(),
      };
    }
  }

  /** Writes one chunk (already validated). The message is acknowledged by a later commit. */
  async handle(msg: JsMsg, meta: AudioChunkMeta, units: AudioUnit[] | null): Promise<void> {
    const frames = units ? units.reduce((a, u) => a + u.samples, 0) : meta.frames;
    const end = meta.offset + frames;
    const hold = this.#acks.holdBack(msg, meta.session, meta.sessionStartMs, meta.offset, end);
    if (hold === 'hold') return;
    if (hold === 'resumed') this.#lastError = null;
    if (hold === 'expired') this.#log.warn('the chunk after a write failure did not come again; going on (the hole is recorded as a gap)');
    this.#acks.add(msg, meta.session, meta.sessionStartMs, meta.offset, end);
    this.#dirty = true;
    const pos = this.#pos;
    const chunkStartMs = timeOfFrame(meta.offset, meta.sessionStartMs, meta.sampleRate);
    let from = meta.offset;
    if (pos && pos.session === meta.session) {
      if (end <= pos.offset) {
        this.#d.metrics.duplicates.inc({ source: this.source });
        return;
      }
      if (meta.offset > pos.offset) {
        await this.#closeFile('split');
        this.#pendingGaps.push(gap(pos.endMs, chunkStartMs, 'discontinuity'));
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
      this.#pendingGaps.push(gap(pos.endMs, chunkStartMs, 'new-session'));
    }
    if (!this.#pos || this.#pos.session !== meta.session || from > this.#pos.offset) {
      this.#pos = { session: meta.session, sessionStartMs: meta.sessionStartMs, sampleRate: meta.sampleRate, offset: from, endMs: timeOfFrame(from, meta.sessionStartMs, meta.sampleRate) };
    }
    if (units) await this.#writeUnits(msg.data, meta, units, from);
    else await this.#writePcm(msg.data, meta, from, end);
    this.#lastChunkMs = this.#pos.endMs;
    this.#d.metrics.lag.set({ source: this.source }, Math.max(0, (this.#d.now() - this.#pos.endMs) / 1000));
  }

  async #writePcm(data: Uint8Array, meta: AudioChunkMeta, from: number, end: number): Promise<void> {
    const bpf = meta.channels * 2;
    let f = from;
    while (f < end) {
      const file = this.#file ?? (await this.#openFile(meta, f));
      const stop = Math.min(end, file.endFrame);
      const slice = data.subarray((f - meta.offset) * bpf, (stop - meta.offset) * bpf);
      await file.sink.writePcm!(slice, stop - f);
      file.bytes += slice.length;
      file.frames += stop - f;
      this.#d.metrics.bytes.inc({ source: this.source }, slice.length);
      f = stop;
      this.#advance(meta, f);
      if (f === file.endFrame) await this.#closeFile('split');
    }
  }

  async #writeUnits(data: Uint8Array, meta: AudioChunkMeta, units: AudioUnit[], from: number): Promise<void> {
    let off = meta.offset;
    let p = 0;
    let batchStart = -1;
    let batchEnd = 0;
    let batch: AudioUnit[] = [];
    let batchEndOffset = from;
    const flush = async () => {
      if (!batch.length || !this.#file) return;
      const bytes = data.subarray(batchStart, batchEnd);
      await this.#file.sink.writeUnits!(bytes, batch);
      this.#file.bytes += bytes.length;
      this.#file.frames += batch.reduce((a, u) => a + u.samples, 0);
      this.#d.metrics.bytes.inc({ source: this.source }, bytes.length);
      this.#advance(meta, batchEndOffset);
      batch = [];
      batchStart = -1;
    };
    for (const u of units) {
      const uStart = off;
      off += u.samples;
      const uBytes = p;
      p += u.bytes;
      if (uStart < from) continue;
      const t = timeOfFrame(uStart, meta.sessionStartMs, meta.sampleRate);
      if (this.#file && t >= this.#file.rec.endBoundaryMs) {
        await flush();
        await this.#closeFile('split');
      }
      if (!this.#file) {
        await flush();
        await this.#openFile(meta, uStart);
      }
      if (batchStart < 0) batchStart = uBytes;
      batchEnd = p;
      batch.push(u);
      batchEndOffset = off;
    }
    await flush();
  }

  #advance(meta: AudioChunkMeta, offset: number): void {
    this.#pos = { session: meta.session, sessionStartMs: meta.sessionStartMs, sampleRate: meta.sampleRate, offset, endMs: timeOfFrame(offset, meta.sessionStartMs, meta.sampleRate) };
  }

  async #openFile(meta: AudioChunkMeta, offset: number): Promise<OpenFile> {
    const s = this.#s;
    const startMs = timeOfFrame(offset, meta.sessionStartMs, meta.sampleRate);
    const endBoundaryMs = s.split.next(startMs);
    const container = meta.format === 'pcm' ? s.pcmContainer : CONTAINER_OF_FORMAT[meta.format];
    const init = meta.format === 'ogg' || meta.format === 'flac' ? await this.#d.codecInit.get(this.source, meta.session) : null;
    if ((meta.format === 'ogg' || meta.format === 'flac') && !init) {
      this.#log.error({ session: meta.session }, `no codec init for the session in KV ${'isr_codec'}: the file will lack its stream headers`);
    }
    const opened = await openSink({ settings: s, meta, offset, startMs, container, init });
    const durable = await opened.sink.sync(false);
    const rec: OpenFileRecord = {
      path: opened.path,
      rel: opened.rel,
      container,
      byteLength: durable.bytes,
      frames: 0,
      firstOffset: offset,
      startMs,
      endBoundaryMs,
      format: meta.format,
      codec: meta.codec,
      sampleRate: meta.sampleRate,
      channels: meta.channels,
      session: meta.session,
      sessionStartMs: meta.sessionStartMs,
      gaps: this.#pendingGaps,
      ogg: durable.ogg ?? null,
    };
    this.#pendingGaps = [];
    const file: OpenFile = { rec, sink: opened.sink, endFrame: frameAtOrAfter(endBoundaryMs, meta.sessionStartMs, meta.sampleRate), bytes: durable.bytes, frames: 0, lastHeaderRewrite: this.#d.now() };
    this.#file = file;
    // Everything before this file is in closed files: the durable position is the file's start.
    this.#durable = { session: meta.session, sessionStartMs: meta.sessionStartMs, offset, endMs: startMs };
    await this.#writeJournal();
    this.#d.metrics.filesOpened.inc({ source: this.source });
    this.#log.info({ path: rec.rel, start: new Date(startMs).toISOString() }, 'file opened');
    await this.#d.events.opened(openedEvent(this.source, rec, this.#s.zone));
    return file;
  }

  async #closeFile(reason: 'split' | 'new-session' | 'idle' | 'shutdown' | 'error'): Promise<void> {
    const file = this.#file;
    if (!file) return;
    this.#file = null;
    const d = await file.sink.close();
    const rec = file.rec;
    const endOffset = rec.firstOffset + d.frames;
    const endMs = timeOfFrame(endOffset, rec.sessionStartMs, rec.sampleRate);
    this.#durable = { session: rec.session, sessionStartMs: rec.sessionStartMs, offset: endOffset, endMs };
    await this.#writeJournal();
    this.#d.metrics.filesClosed.inc({ source: this.source, reason });
    this.#log.info({ path: rec.rel, reason, frames: d.frames, bytes: d.bytes }, 'file closed');
    await this.#d.events.closed(closedEvent(this.source, rec, this.#s.zone, d.frames, d.bytes, reason));
  }

  async #writeJournal(): Promise<void> {
    const f = this.#file;
    await this.#d.journal.write({
      v: 1,
      source: this.source,
      session: this.#durable.session,
      sessionStartMs: this.#durable.sessionStartMs,
      offset: this.#durable.offset,
      endMs: this.#durable.endMs,
      file: f ? { ...f.rec } : null,
    });
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

  /** Closes the file when the wall clock is past its boundary by the grace and no data came. */
  async closeIfIdle(): Promise<void> {
    const f = this.#file;
    if (f && this.#d.now() > f.rec.endBoundaryMs + this.#s.idleGraceMs) {
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
      await f.sink.abandon();
      try {
        const r = await recoverFile(this.source, f.rec, this.#d.codecInit, this.#log);
        if (r.kind === 'continue') await r.sink.close();
        await this.#d.events.closed(closedEvent(this.source, f.rec, this.#s.zone, f.rec.frames, f.rec.byteLength, 'error'));
      } catch (repairErr) {
        this.#log.error({ err: repairErr, path: f.rec.rel }, 'could not repair the file after a write failure');
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

  get activePath(): string | null {
    return this.#file?.rec.rel ?? null;
  }
}
