import {
  chunkTimeMs,
  RecorderStates,
  timeOfFrame,
  type AudioChunkMeta,
  type AudioUnit,
  type Gap,
  type RecorderStatus,
} from '@isr/contract';
import type { JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckTracker } from './ack-tracker.ts';
import { writePcm, writeUnits, type FileCursor, type HeldUnit } from './chunk-writes.ts';
import { closedEvent, gap, manifestClosed, openedEvent } from './event-bodies.ts';
import type { DurableState, Journal, OpenFileRecord, PendingManifestEntry } from './journal.ts';
import {
  failedAgain,
  holdEnded,
  holdStartedMsg,
  nakDelayMs,
  REDELIVERY_DELAY_MS,
  retryBackoff,
  startHold,
  type Hold,
} from './hold.ts';
import { createFile, finishFile, resumedFile, type OpenFile } from './recording-file.ts';
import { recoverFile } from './recovery.ts';
import type { Sink } from './sink.ts';
import { hashFile } from './stream-hash.ts';
import type { SourceSettings, WriterDeps } from './writer-settings.ts';
import { chunkFrames } from './chunk-validate.ts';

/** Chunks written per catch-up step before a commit (fsync, journal, ack). */
const CATCH_UP_BATCH = 64;

interface Position {
  session: string;
  sessionStartMs: number;
  sampleRate: number;
  /** Next session offset expected. */
  offset: number;
  /** Epoch ms just after the last sample. */
  endMs: number;
}

/** Thrown before a write or an ack when this process no longer holds the source's lease (group.ts). */
class FencedOff extends Error {
  constructor(source: string) {
    super(`${source}: this segmenter no longer holds the source's lease; writing nothing more`);
  }
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
  /** Closed files' manifest entries not yet appended (kept in the journal until they are). */
  #pendingManifest: PendingManifestEntry[] = [];
  /** The last manifest append failed (logged once until one succeeds). */
  #manifestFailing = false;
  /** An MP3 unit starting a new period, not yet written (chunk-writes.ts); goes to this file if the period never begins. */
  #held: HeldUnit | null = null;
  #dirty = false;
  readonly #acks: AckTracker;
  #lastError: string | null = null;
  #outage: Hold | null = null;
  /** The journal record of an open file whose repair after a failure failed: repaired again before writing. */
  #broken: OpenFileRecord | null = null;
  /** True while the catch-up step runs (commits from elsewhere wait for it while held). */
  #catchingUp = false;
  #closing = false;
  /** Highest stream sequence of this source handled. */
  #lastSeq = 0;
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
    nextBoundary: (t) => this.#s.split.next(t),
    hold: (unit) => (this.#held = unit),
    takeHeld: () => {
      const h = this.#held;
      this.#held = null;
      return h;
    },
  };

  /** The fence of the source's lease: checked before every write and every ack (always true without a group). */
  readonly #fence: () => boolean;

  /** Told when a write or an ack was refused by the fence (the writer has stopped: the source must be taken anew). */
  readonly #onFenced: () => void;

  constructor(
    settings: SourceSettings,
    deps: WriterDeps,
    fence: () => boolean = () => true,
    onFenced: () => void = () => {},
  ) {
    this.source = settings.source;
    this.#fence = fence;
    this.#onFenced = onFenced;
    this.#s = settings;
    this.#d = deps;
    this.#lastArrivalWallMs = deps.now();
    this.#log = deps.log.child({ source: settings.source });
    this.#acks = new AckTracker();
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
    this.#pendingManifest = [...(j.manifest ?? [])];
    if (j.session) {
      this.#durable = { session: j.session, sessionStartMs: j.sessionStartMs, offset: j.offset, endMs: j.endMs };
      const rate = j.file?.sampleRate ?? 48000;
      this.#pos = {
        session: j.session,
        sessionStartMs: j.sessionStartMs,
        sampleRate: rate,
        offset: j.offset,
        endMs: j.endMs ?? j.sessionStartMs,
      };
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

  /**
   * Start-up: restores the journal's state and repairs the file it says was open (continued, or finished for
   * a FLAC file libFLAC cannot resume). A failure here (full disk, I/O error) does not stop the service: the
   * source is held and retried like any write failure.
   */
  async recoverAtStart(j: Journal): Promise<void> {
    this.restore(j, null);
    try {
      if (j.file) await this.#reopen(j.file, true);
      await this.#appendManifest();
      await this.commit(this.#pendingManifest.length > 0 || (j.manifest?.length ?? 0) > 0);
    } catch (err) {
      await this.fail(err);
    }
  }

  /**
   * Cuts `rec`'s file back to its durable length and repairs it (recovery.ts), then continues it as the open
   * file; a FLAC file is finished instead and a missing one skipped. Throws (leaving `#broken` set) when the
   * repair fails.
   */
  async #reopen(rec: OpenFileRecord, atStart: boolean): Promise<void> {
    this.#broken = rec;
    const r = await recoverFile(this.source, rec, this.#d.codecInit, this.#log, this.#s.flacCompression);
    this.#broken = null;
    const offset = rec.firstOffset + rec.frames;
    const endMs = timeOfFrame(offset, rec.sessionStartMs, rec.sampleRate);
    this.#durable = { session: rec.session, sessionStartMs: rec.sessionStartMs, offset, endMs };
    this.#pos = { session: rec.session, sessionStartMs: rec.sessionStartMs, sampleRate: rec.sampleRate, offset, endMs };
    if (atStart) this.#d.metrics.recovered.inc({ source: this.source, container: rec.container });
    if (r.kind === 'continue') {
      if (atStart) this.#log.info({ path: rec.rel, bytes: rec.byteLength }, 'repaired a file left open; continuing it');
      this.#file = resumedFile(rec, r.sink, this.#d.now());
    } else if (r.kind === 'finished') {
      this.#log.info(
        { path: rec.rel, frames: r.frames },
        atStart
          ? 'repaired a FLAC file left open and finished it'
          : 'cut the FLAC file back to its durable length and finished it',
      );
      this.#d.metrics.filesClosed.inc({ source: this.source, reason: 'error' });
      this.#d.metrics.filesHashed.inc({ method: 'read' });
      const e = closedEvent(this.source, rec, this.#s.zone, r.frames, r.bytes, 'error', await hashFile(rec.path));
      this.#pendingManifest.push(manifestClosed(e));
      await this.#d.events.closed(e);
    }
  }

  /**
   * A chunk of the source was delivered (called at delivery, before its handle() waits its turn behind work
   * already queued, such as an idle check: a chunk on its way is not idleness).
   */
  noteArrival(): void {
    this.#lastArrivalWallMs = this.#d.now();
  }

  /**
   * A chunk that breaks the contract: terminated by a later commit, in stream order (the source consumer
   * acknowledges cumulatively). No reason text: nats-server 2.9 does not understand '+TERM <reason>'.
   */
  settlePoison(msg: JsMsg): void {
    this.#acks.addPoison(msg);
  }

  /** Writes one chunk (already validated). The message is acknowledged by a later commit. */
  async handle(msg: JsMsg, meta: AudioChunkMeta, units: AudioUnit[] | null): Promise<void> {
    this.#guard();
    this.#lastArrivalWallMs = this.#d.now();
    if (this.#outage) {
      // Held: the catch-up reads this chunk from the stream in order; the delivery is given back, not acked.
      msg.nak(nakDelayMs(this.#outage, this.#d.now()));
      return;
    }
    const frames = chunkFrames(meta, units);
    this.#acks.add(msg, meta.session, meta.sessionStartMs, meta.offset, meta.offset + frames);
    this.#dirty = true;
    await this.#fillHole(meta, msg.seq);
    if (msg.seq > this.#lastSeq) this.#lastSeq = msg.seq;
    await this.#write(msg.data, meta, units, meta.offset + frames);
  }

  /**
   * A chunk past a hole in its session: when the stream holds what is missing, the deliveries were lost, not
   * the audio — sent into a connection that broke (a node died, or the server cut a slow consumer), they come
   * again only after ack_wait, behind later ones. What is missing is then read from the stream and written
   * first, in order; only a hole the stream does not fill (the capture dropped the audio) is recorded as a gap.
   */
  async #fillHole(meta: AudioChunkMeta, seq: number): Promise<void> {
    // Only behind a chunk this writer took: a new owner starts at its predecessor's acknowledgements, which the
    // journal covers, so a hole at its first chunk is the capture's.
    if (this.#lastSeq === 0) return;
    let from = this.#lastSeq + 1;
    for (;;) {
      const pos = this.#pos;
      if (!pos || pos.session !== meta.session || meta.offset <= pos.offset) return;
      const c = await this.#d.reader.next(this.source, from);
      if (!c || c.seq >= seq) return;
      from = c.seq + 1;
      if (c.meta.session !== meta.session) continue;
      const frames = chunkFrames(c.meta, c.units);
      if (c.meta.offset + frames <= pos.offset) continue;
      this.#d.metrics.holesFilled.inc({ source: this.source });
      await this.#write(c.data, c.meta, c.units, c.meta.offset + frames);
      if (c.seq > this.#lastSeq) this.#lastSeq = c.seq;
    }
  }

  /** Writes the part of a chunk not yet in the files (skipping duplicates, recording holes as gaps). */
  async #write(data: Uint8Array, meta: AudioChunkMeta, units: AudioUnit[] | null, end: number): Promise<void> {
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
        this.#log.warn(
          { session: meta.session, expected: pos.offset, got: meta.offset },
          'sequence hole in the session: gap recorded',
        );
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
      this.#pos = {
        session: meta.session,
        sessionStartMs: meta.sessionStartMs,
        sampleRate: meta.sampleRate,
        offset: from,
        endMs: timeOfFrame(from, meta.sessionStartMs, meta.sampleRate),
      };
    }
    if (units) await writeUnits(this.#cursor, data, meta, units, from);
    else await writePcm(this.#cursor, data, meta, from, end);
    this.#lastChunkMs = this.#pos.endMs;
    const lag = Math.max(0, (this.#d.now() - this.#pos.endMs) / 1000);
    this.#d.metrics.lag.set({ source: this.source }, lag);
    this.#d.metrics.writeLatency.observe(lag);
  }

  #advance(meta: AudioChunkMeta, offset: number): void {
    this.#pos = {
      session: meta.session,
      sessionStartMs: meta.sessionStartMs,
      sampleRate: meta.sampleRate,
      offset,
      endMs: timeOfFrame(offset, meta.sessionStartMs, meta.sampleRate),
    };
  }

  async #openFile(meta: AudioChunkMeta, offset: number): Promise<OpenFile> {
    const file = await createFile({
      settings: this.#s,
      codecInit: this.#d.codecInit,
      log: this.#log,
      meta,
      offset,
      gaps: this.#pendingGaps,
      now: this.#d.now(),
    });
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
    const held = this.#held;
    if (held) {
      // The period after this file never got a second unit: its lone unit ends this file instead.
      this.#held = null;
      await file.sink.writeUnits!(held.data, [held.unit]);
      file.bytes += held.data.length;
      file.frames += held.unit.samples;
    }
    // Only once it is finished: a close that fails (full disk) leaves it the open file, cut back and retried.
    const { durable: d, sha256, streamed, endOffset, endMs } = await finishFile(file);
    this.#file = null;
    const rec = file.rec;
    this.#durable = { session: rec.session, sessionStartMs: rec.sessionStartMs, offset: endOffset, endMs };
    const e = closedEvent(this.source, rec, this.#s.zone, d.frames, d.bytes, reason, sha256);
    // The journal that forgets the open file remembers its manifest entry until the entry is appended.
    this.#pendingManifest.push(manifestClosed(e));
    await this.#writeJournal();
    this.#d.metrics.filesClosed.inc({ source: this.source, reason });
    this.#d.metrics.filesHashed.inc({ method: streamed ? 'stream' : 'read' });
    this.#log.info({ path: rec.rel, reason, frames: d.frames, bytes: d.bytes, sha256 }, 'file closed');
    await this.#d.events.closed(e);
    await this.#appendManifest();
    if (!this.#pendingManifest.length) await this.#writeJournal(); // the journal forgets the appended entry
  }

  async #writeJournal(): Promise<void> {
    const f = this.#file;
    const manifest = this.#pendingManifest.length ? { manifest: [...this.#pendingManifest] } : {};
    await this.#d.journal.write({
      v: 1,
      source: this.source,
      ...this.#durable,
      file: f ? { ...f.rec } : null,
      ...manifest,
    });
  }

  /**
   * Appends the pending manifest entries in order. A failure (full disk) is logged and retried at the next
   * commit; the entries stay in the journal meanwhile, so a crash loses none (an entry appended just before a
   * crash, still in the journal, is recognised as the chain's last line and not appended twice).
   */
  async #appendManifest(): Promise<void> {
    while (this.#pendingManifest.length) {
      const p = this.#pendingManifest[0]!;
      try {
        await this.#d.manifest.append({ root: this.#s.outputDirectory, source: this.source, day: p.day }, p.body);
      } catch (err) {
        // Logged once per episode (a full disk fails every commit): the entries wait in the journal.
        if (!this.#manifestFailing)
          this.#log.warn(
            { err, path: p.body.path },
            'could not append to the manifest; retrying at each commit (the entry waits in the journal)',
          );
        this.#manifestFailing = true;
        return;
      }
      this.#pendingManifest.shift();
      if (this.#manifestFailing) this.#log.info({ path: p.body.path }, 'manifest appended after retrying');
      this.#manifestFailing = false;
    }
  }

  /** fsync the open file, record it in the journal, then acknowledge every message it now covers. */
  async commit(forceHeader = false): Promise<void> {
    if (this.#outage && !this.#catchingUp) return; // held: only the catch-up commits
    if (!this.#dirty && !this.#acks.count && !forceHeader) return;
    this.#guard();
    const f = this.#file;
    if (f) {
      const now = this.#d.now();
      const rewrite = forceHeader || now - f.lastHeaderRewrite >= this.#s.headerRewriteMs;
      if (rewrite) f.lastHeaderRewrite = now;
      const d = await f.sink.sync(rewrite);
      f.rec.byteLength = d.bytes;
      f.rec.frames = d.frames;
      f.rec.ogg = d.ogg ?? null;
      const offset = f.rec.firstOffset + d.frames;
      this.#durable = {
        session: f.rec.session,
        sessionStartMs: f.rec.sessionStartMs,
        offset,
        endMs: timeOfFrame(offset, f.rec.sessionStartMs, f.rec.sampleRate),
      };
    } else if (this.#pos) {
      // No file open: everything written is in closed (synced) files.
      this.#durable = {
        session: this.#pos.session,
        sessionStartMs: this.#pos.sessionStartMs,
        offset: this.#pos.offset,
        endMs: this.#pos.endMs,
      };
    }
    if (this.#pendingManifest.length) await this.#appendManifest();
    await this.#writeJournal();
    this.#dirty = false;
    this.#acks.ackCovered(this.#durable);
  }

  /**
   * Closes the file when the wall clock is past its boundary by the grace AND no chunk arrived for the grace.
   * The second condition matters when a backlog is replayed (segmenter restart, capture flushing its outage
   * buffer): its periods all lie in the past, yet their chunks are still on the way. And not while
   * `audioWaiting` says chunks of the source wait undelivered in the stream: then the delivery stalls (a NATS
   * node died under the consumer), the capture has not stopped, and the period must stay one file.
   */
  async closeIfIdle(audioWaiting: () => Promise<boolean> = () => Promise.resolve(false)): Promise<void> {
    const f = this.#file;
    const now = this.#d.now();
    if (this.#outage) return; // held: the file stays open until the held audio is written
    if (f && now > f.rec.endBoundaryMs + this.#s.idleGraceMs && now - this.#lastArrivalWallMs > this.#s.idleGraceMs) {
      if (await audioWaiting()) return;
      this.#guard();
      await this.#closeFile('idle');
      await this.commit();
    }
  }

  async shutdown(): Promise<void> {
    if (!this.#fence()) return this.detach();
    this.#closing = true;
    this.#outage = null;
    await this.#closeFile('shutdown');
    await this.commit();
  }

  /**
   * The source moves to another segmenter of the group: everything written becomes durable (header rewritten,
   * journalled, acknowledged) and the file is left open, so the new owner continues it from the journal as
   * after a crash — the period stays one file. Held (disk full): nothing more is durable; the new owner
   * catches up from the journal and the stream.
   */
  async handOver(): Promise<void> {
    if (this.#fence() && !this.#outage) await this.commit(true);
    await this.detach();
  }

  /** Stops without writing or acknowledging anything more (the lease is lost, or after handOver). */
  async detach(): Promise<void> {
    this.#closing = true;
    this.#outage = null;
    const f = this.#file;
    this.#file = null;
    await f?.sink.abandon();
  }

  /** Throws FencedOff when the source's lease is no longer this process's. */
  #guard(): void {
    if (!this.#fence()) throw new FencedOff(this.source);
  }

  /**
   * A write failed (disk full, I/O error, permissions…). Nothing is lost and no new file is started: the open
   * file is cut back to its durable length and kept (the same name), every message not yet durable is given
   * back (nak) and the source is held — nothing of it is acknowledged — while a catch-up loop retries with
   * backoff, reading the source's chunks from the stream in order from the first one not durable. A gap is
   * recorded only where the stream itself no longer holds the audio (its retention ran out).
   */
  async fail(err: unknown): Promise<void> {
    if (err instanceof FencedOff || !this.#fence()) {
      // The lease is gone, or unconfirmed for too long (NATS away): stop here. Even if the lease comes back,
      // the source is taken anew (journal, recovery, a new consumer), never continued from this state.
      this.#log.warn({ err }, "the source's lease is gone or unconfirmed: this segmenter stops writing it");
      await this.detach();
      this.#onFenced();
      return;
    }
    this.#lastError = err instanceof Error ? err.message : String(err);
    this.#d.metrics.writeErrors.inc({ source: this.source });
    this.#held = null; // not written: read again from the stream with the rest
    const f = this.#file;
    if (f) {
      this.#file = null;
      await f.sink.abandon();
      await this.#reopen(f.rec, false).catch((repairErr: unknown) =>
        this.#log.debug(
          { err: repairErr, path: f.rec.rel },
          'cutting the file back failed; retried before the next write',
        ),
      );
    }
    const d = this.#durable;
    this.#pos = d.session
      ? {
          session: d.session,
          sessionStartMs: d.sessionStartMs,
          sampleRate: this.#pos?.sampleRate ?? 48000,
          offset: d.offset,
          endMs: d.endMs ?? d.sessionStartMs,
        }
      : null;
    const lowest = this.#acks.giveBack(d, this.#outage ? nakDelayMs(this.#outage, this.#d.now()) : REDELIVERY_DELAY_MS);
    const o = this.#outage;
    if (o) {
      failedAgain(o, err, lowest);
      this.#log.debug({ err }, 'writing failed again');
      return;
    }
    const h = (this.#outage = startHold(err, lowest ?? this.#lastSeq + 1, this.#d.now()));
    this.#d.metrics.held.set({ source: this.source }, 1);
    this.#log.error(
      {
        err,
        state: h.state,
        path: f?.rec.rel ?? null,
        durableUntil: d.endMs === null ? null : new Date(d.endMs).toISOString(),
      },
      holdStartedMsg(h),
    );
    void this.#catchUpLoop();
  }

  get holding(): boolean {
    return this.#outage !== null;
  }

  /** The first stream sequence of this source not durably written (null: everything handled is durable). */
  resumeSeq(): number | null {
    const pending = this.#acks.lowestSeq;
    const o = this.#outage;
    if (!o) return pending;
    return Math.min(o.durableCursor, pending ?? Infinity);
  }

  /** Retries a held source with backoff until its audio is written up to what the stream holds. */
  async #catchUpLoop(): Promise<void> {
    const backoff = retryBackoff();
    let delay = backoff.next();
    while (this.#outage && !this.#closing) {
      await sleep(delay, undefined, { ref: false });
      if (!this.#outage || this.#closing) return;
      const progressed = await this.run(async () => {
        try {
          return await this.#catchUpStep();
        } catch (err) {
          await this.fail(err);
          return false;
        } finally {
          this.#catchingUp = false;
        }
      }).catch((err: unknown) => {
        this.#log.error({ err }, 'retrying a held source failed');
        return false;
      });
      if (progressed) backoff.reset();
      delay = progressed ? 0 : backoff.next();
    }
  }

  /** Writes up to CATCH_UP_BATCH chunks read from the stream and commits; ends the hold once none is left. */
  async #catchUpStep(): Promise<boolean> {
    const o = this.#outage;
    if (!o || this.#closing) return false;
    this.#guard();
    this.#catchingUp = true;
    if (this.#broken) await this.#reopen(this.#broken, false);
    for (let i = 0; i < CATCH_UP_BATCH; i++) {
      const c = await this.#d.reader.next(this.source, o.cursor);
      if (!c) {
        this.#dirty = true;
        await this.commit();
        o.durableCursor = o.cursor;
        this.#endOutage(o);
        return true;
      }
      const frames = chunkFrames(c.meta, c.units);
      this.#dirty = true;
      await this.#write(c.data, c.meta, c.units, c.meta.offset + frames);
      o.cursor = c.seq + 1;
      if (c.seq > this.#lastSeq) this.#lastSeq = c.seq;
      o.chunks++;
      o.frames += frames;
    }
    await this.commit();
    o.durableCursor = o.cursor;
    return true;
  }

  #endOutage(o: Hold): void {
    this.#outage = null;
    this.#lastError = null;
    this.#d.metrics.held.set({ source: this.source }, 0);
    const { fields, msg } = holdEnded(o, this.#d.now(), this.#pos?.sampleRate ?? 48000);
    this.#log.warn(fields, msg);
  }

  status(): RecorderStatus {
    const f = this.#file;
    return {
      state: this.#outage?.state ?? (f ? RecorderStates.recording : RecorderStates.idle),
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
