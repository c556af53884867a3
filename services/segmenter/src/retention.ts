import { rmdir, rm, stat, statfs, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ANALYSIS_SIDECAR_SUFFIX,
  analysisKey,
  DeletionReasons,
  KEEP_MARK_SUFFIX,
  type DeletionReason,
} from '@isr/contract';
import { MANIFEST_DAY, type KV, type ManifestWriter } from '@isr/runtime';
import type { Logger } from 'pino';
import { ArchiveIndex, type ArchivedFile } from './archive-index.ts';
import { scanArchive } from './archive-scan.ts';
import type { SegmentEvents } from './events.ts';
import type { SegmenterMetrics } from './metrics.ts';

export interface RetentionSettings {
  /** Every recordings root (the distinct output_directory of [general] and the sources). */
  roots: readonly string[];
  /** keep_days of a source (the [general] value for a source no longer configured); 0 = forever. */
  keepDaysOf: (source: string) => number;
  /** min_free_mb in bytes; 0 = disk guard off. */
  minFreeBytes: number;
  /** How often both rules run (disk_check_seconds). */
  checkMs: number;
  /** Walk the roots again this often (files restored or copied in, files deleted by others); default a day. */
  rescanMs?: number;
}

export interface RetentionDeps {
  log: Logger;
  metrics: SegmenterMetrics;
  events: SegmentEvents;
  /** Each deletion is appended to the source's manifest (a `deleted` entry continues the chain). */
  manifest: ManifestWriter;
  /** KV isr_analysis: a deleted recording's entry is purged. */
  analysisKv: KV;
  /** Absolute paths of the files open for writing right now (never deleted). */
  openFiles: () => ReadonlySet<string>;
  now: () => number;
}

/** Files on hold are looked at again this often (a removed keep mark takes effect within it). */
const HOLD_RECHECK_MS = 60_000;
/** "Nothing left to delete" is logged at most this often. */
const STARVED_LOG_MS = 60_000;
const DAY_MS = 86_400_000;
const RESCAN_MS = DAY_MS;

interface Root {
  dir: string;
  index: ArchiveIndex;
  /** The index a rescan is building (files closed meanwhile go into both); it replaces `index` when complete. */
  building: ArchiveIndex | null;
  /** Set once the start-up scan has walked the whole root: the rules act only on a complete index. */
  scanned: boolean;
  /** Files skipped because a keep mark is beside them, put back every HOLD_RECHECK_MS. */
  held: ArchivedFile[];
  /** Free bytes expected after the last check's deletions (to measure how fast the disk fills). */
  expectedFree: number | null;
  /** Headroom above the floor: four times the fastest recent fill per check, decaying slowly. */
  margin: number;
  starvedLoggedAt: number;
  /** Sources whose oldest-recording age was reported (a source with no recordings left is dropped from the gauge). */
  reported: Set<string>;
}

/**
 * Retention (`keep_days`) and the disk guard (`min_free_mb`): the segmenter owns the files, so it deletes
 * them. A background scan indexes each recordings root once at start-up; every file the segmenter closes is
 * added as it closes. Every `checkMs` both rules take files oldest-first from the index — never an open file,
 * never one with a `.keep` mark — and each deletion removes the analysis sidecar and KV entry and publishes
 * isr.segment.deleted.<source>. A file already gone (deleted through the web meanwhile) is skipped silently.
 */
export class Retention {
  readonly #s: RetentionSettings;
  readonly #d: RetentionDeps;
  readonly #roots: Root[];
  #timer: NodeJS.Timeout | null = null;
  #rescanTimer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #heldCheckedAt = 0;

  constructor(settings: RetentionSettings, deps: RetentionDeps) {
    this.#s = settings;
    this.#d = deps;
    this.#roots = [...new Set(settings.roots)].map((dir) => ({
      dir,
      index: new ArchiveIndex(),
      building: null,
      scanned: false,
      held: [],
      expectedFree: null,
      margin: 0,
      starvedLoggedAt: 0,
      reported: new Set<string>(),
    }));
  }

  /** Starts the background scans and the periodic check. Returns at once. */
  start(): void {
    this.#stopped = false; // again after a stop: the group's retention lease came back to this member
    for (const r of this.#roots) this.#d.metrics.diskMinFree.set({ directory: r.dir }, this.#s.minFreeBytes);
    for (const r of this.#roots) void this.#scan(r);
    this.#timer = setInterval(() => void this.check(), this.#s.checkMs);
    this.#timer.unref();
    this.#rescanTimer = setInterval(() => {
      for (const r of this.#roots) if (!r.building) void this.#scan(r);
    }, this.#s.rescanMs ?? RESCAN_MS);
    this.#rescanTimer.unref();
  }

  /** Builds a fresh index of a root in the background and puts it in place when the walk is complete. */
  async #scan(r: Root): Promise<void> {
    const t0 = Date.now();
    const fresh = (r.building = new ArchiveIndex());
    try {
      const n = await scanArchive(
        r.dir,
        (f) => {
          if (!fresh.has(f.rel)) fresh.add(f); // a file closed meanwhile is already there, newer
        },
        () => this.#stopped,
      );
      if (this.#stopped) return;
      r.index = fresh;
      r.scanned = true;
      this.#d.metrics.archiveFiles.set({ directory: r.dir }, r.index.size);
      this.#d.log.info({ directory: r.dir, files: n, ms: Date.now() - t0 }, 'retention: recordings indexed');
    } catch (err) {
      this.#d.log.error({ err, directory: r.dir }, 'retention: scanning the recordings failed');
    } finally {
      r.building = null;
    }
  }

  /** A file was closed (from its isr.segment.closed event): index it with its size and modification time. */
  async closed(root: string, rel: string, source: string): Promise<void> {
    const r = this.#roots.find((x) => x.dir === root);
    if (!r) return;
    const st = await stat(join(root, rel)).catch(() => null);
    if (!st) return;
    const f = { rel, source, bytes: st.size, endMs: st.mtimeMs };
    r.index.add(f);
    r.building?.add(f);
  }

  /** One run of both rules over every root (runs never overlap; a call during a run waits for it). */
  check(): Promise<void> {
    this.#running ??= this.#check().finally(() => (this.#running = null));
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#rescanTimer) clearInterval(this.#rescanTimer);
    await this.#running;
    // another member of the group runs retention now and reports these: no stale copy from this one
    for (const g of [
      this.#d.metrics.diskFree,
      this.#d.metrics.diskMinFree,
      this.#d.metrics.oldestAge,
      this.#d.metrics.archiveFiles,
    ])
      g.reset();
  }

  async #check(): Promise<void> {
    const now = this.#d.now();
    const recheckHeld = now - this.#heldCheckedAt >= HOLD_RECHECK_MS;
    if (recheckHeld) this.#heldCheckedAt = now;
    for (const r of this.#roots) {
      if (this.#stopped) return;
      try {
        if (recheckHeld) for (const f of r.held.splice(0)) if (!r.index.has(f.rel)) r.index.add(f);
        if (r.scanned) await this.#retention(r);
        await this.#guard(r);
        if (r.scanned) this.#report(r);
      } catch (err) {
        this.#d.log.error({ err, directory: r.dir }, 'retention check failed');
      }
    }
  }

  /** keep_days: every file of a source whose end is older than its keep_days. */
  async #retention(r: Root): Promise<void> {
    const now = this.#d.now();
    for (const source of r.index.sources()) {
      const days = this.#s.keepDaysOf(source);
      if (!(days > 0)) continue;
      const cutoff = now - days * DAY_MS;
      for (let f = r.index.oldestOf(source); f && f.endMs < cutoff && !this.#stopped; f = r.index.oldestOf(source)) {
        await this.#delete(r, f, DeletionReasons.retention);
      }
    }
  }

  /** min_free_mb: delete the oldest files of any source until the free space is above the floor plus headroom. */
  async #guard(r: Root): Promise<void> {
    const s = await statfs(r.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null; // nothing recorded there yet
      throw err;
    });
    if (!s) return;
    const free = s.bavail * s.bsize;
    this.#d.metrics.diskFree.set({ directory: r.dir }, free);
    if (this.#s.minFreeBytes <= 0) return;
    // Headroom for what is written until the next check (and a late check): four times the fastest recent
    // fill per check, forgotten slowly; never more than the floor itself.
    const fill = r.expectedFree === null ? 0 : Math.max(0, r.expectedFree - free);
    r.margin = Math.min(this.#s.minFreeBytes, Math.max(4 * fill, r.margin * 0.98));
    const target = this.#s.minFreeBytes + r.margin;
    let expected = free;
    if (r.scanned) {
      while (expected < target && !this.#stopped) {
        const f = r.index.oldest();
        if (!f) {
          const now = this.#d.now();
          if (now - r.starvedLoggedAt > STARVED_LOG_MS) {
            r.starvedLoggedAt = now;
            this.#d.log.error(
              { directory: r.dir, free, minFree: this.#s.minFreeBytes, held: r.held.length },
              'disk guard: free space is below min_free_mb and no closed, unheld recording is left to delete',
            );
          }
          break;
        }
        expected += (await this.#delete(r, f, DeletionReasons.diskGuard)) ?? 0;
      }
    }
    r.expectedFree = expected;
  }

  /** Deletes one file (and its analysis), unless it is open, on hold or already gone. Returns the bytes freed. */
  async #delete(r: Root, f: ArchivedFile, reason: DeletionReason): Promise<number | null> {
    r.index.take(f);
    const abs = join(r.dir, f.rel);
    if (this.#d.openFiles().has(abs)) return null; // indexed again when it is closed
    if (await exists(abs + KEEP_MARK_SUFFIX)) {
      r.held.push(f);
      return null;
    }
    const st = await stat(abs).catch(() => null);
    if (!st) return null;
    if (Math.abs(st.mtimeMs - f.endMs) > 1000) {
      r.index.add({ ...f, bytes: st.size, endMs: st.mtimeMs }); // written to or touched since it was indexed: judge it again
      return null;
    }
    try {
      await unlink(abs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // deleted through the web meanwhile
      throw err;
    }
    const log = this.#d.log;
    await rm(abs + ANALYSIS_SIDECAR_SUFFIX, { force: true }).catch((err: unknown) =>
      log.warn({ err, path: f.rel }, 'analysis sidecar of a deleted recording not removed'),
    );
    await this.#d.analysisKv
      .purge(analysisKey(f.rel))
      .catch((err: unknown) => log.warn({ err, path: f.rel }, 'analysis of a deleted recording not purged from KV'));
    await this.#removeEmptyDirs(r.dir, dirname(abs));
    const now = this.#d.now();
    const days = this.#s.keepDaysOf(f.source);
    this.#d.metrics.deletions.inc({ source: f.source, reason });
    if (reason === DeletionReasons.diskGuard && (days <= 0 || now - f.endMs < days * DAY_MS))
      this.#d.metrics.earlyDeletions.inc({ source: f.source });
    log.info({ path: f.rel, reason, bytes: st.size, end: new Date(f.endMs).toISOString() }, 'recording deleted');
    const at = new Date(now).toISOString();
    const fileDay = f.rel.split('/')[1] ?? '';
    await this.#d.manifest
      .append(
        { root: r.dir, source: f.source, day: MANIFEST_DAY.test(fileDay) ? fileDay : at.slice(0, 10) },
        { op: 'deleted', path: f.rel, reason, bytes: st.size, at },
      )
      .catch((err: unknown) =>
        log.error({ err, path: f.rel }, 'deletion not appended to the manifest: verify will report the file missing'),
      );
    await this.#d.events.deleted({
      source: f.source,
      path: f.rel,
      reason,
      bytes: st.size,
      end: new Date(f.endMs).toISOString(),
      deletedAt: at,
    });
    // What the filesystem gets back: the allocated blocks (a sparse or preallocated file differs from its size).
    return Math.max(st.size, st.blocks * 512);
  }

  /** Removes the day directories emptied by a deletion, up to the source directory; never one holding an open file. */
  async #removeEmptyDirs(root: string, dir: string): Promise<void> {
    const open = [...this.#d.openFiles()].map((p) => dirname(p));
    for (let d = dir; dirname(d) !== root && d.startsWith(root + '/'); d = dirname(d)) {
      if (open.some((o) => o === d || o.startsWith(d + '/'))) return;
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or gone): stop climbing
      }
    }
  }

  /** Figures per source: the age of its oldest recording (held ones count). */
  #report(r: Root): void {
    const now = this.#d.now();
    const oldest = new Map<string, number>();
    for (const f of r.held) oldest.set(f.source, Math.min(oldest.get(f.source) ?? Infinity, f.endMs));
    for (const source of r.index.sources()) {
      const f = r.index.oldestOf(source);
      if (f) oldest.set(source, Math.min(oldest.get(source) ?? Infinity, f.endMs));
    }
    for (const [source, endMs] of oldest) this.#d.metrics.oldestAge.set({ source }, Math.max(0, (now - endMs) / 1000));
    for (const source of r.reported) if (!oldest.has(source)) this.#d.metrics.oldestAge.remove({ source });
    r.reported = new Set(oldest.keys());
    this.#d.metrics.archiveFiles.set({ directory: r.dir }, r.index.size + r.held.length);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
