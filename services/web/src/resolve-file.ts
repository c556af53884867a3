import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { webError } from './errors.ts';
import { checkRelativePath } from './safe-path.ts';

export interface ResolvedFile {
  /** Normalised relative path ('/'-separated). */
  rel: string;
  /** Real absolute path, inside the real recordings root. */
  abs: string;
  stat: Stats;
}

/**
 * Real paths already resolved, so a Range GET of a file being played costs at most one stat instead of
 * realpath + stat (each a hand-off through libuv's thread pool; the hand-offs were the main cost of serving a
 * range). An entry is used only while its real path still names the same file (dev and inode, from the stat
 * each look-up makes) and for at most maxAgeMs: a directory on the path replaced by a symlink leading outside
 * the root changes what the real path names, so it is resolved (and refused) again at once; a symlink inside
 * the root retargeted to another file is followed within maxAgeMs. Least recently used entries go beyond `max`.
 *
 * Like nginx's open_file_cache_valid, a file that `isOpen` says has an open handle (its bytes readable whatever
 * happens to its name), whose stat is younger than statMs and which had not been modified for settledMs when
 * that stat was taken, is answered from that stat without a look-up: its size and ETag are then at most statMs
 * old, as if the request had come that much earlier. A file modified recently (being recorded, or just closed)
 * is looked up on every request, so its newest bytes are reachable at once.
 */
export class RealPaths {
  private readonly entries = new Map<
    string,
    { abs: string; stat: Stats; resolvedAt: number; checkedAt: number; settled: boolean }
  >();
  private readonly max: number;
  private readonly maxAgeMs: number;
  private readonly statMs: number;
  private readonly settledMs: number;
  private readonly isOpen: (abs: string, ino: number) => boolean;

  constructor(
    o: {
      max?: number;
      maxAgeMs?: number;
      statMs?: number;
      settledMs?: number;
      isOpen?: (abs: string, ino: number) => boolean;
    } = {},
  ) {
    this.max = o.max ?? 4096;
    this.maxAgeMs = o.maxAgeMs ?? 2000;
    this.statMs = o.statMs ?? 250;
    this.settledMs = o.settledMs ?? 5000;
    this.isOpen = o.isOpen ?? (() => false);
  }

  /** The remembered real path of rel, and its stat when that may be used as it is. */
  get(rel: string): { abs: string; dev: number; ino: number; fresh: Stats | null } | undefined {
    const e = this.entries.get(rel);
    if (!e) return undefined;
    this.entries.delete(rel);
    const now = performance.now();
    if (now - e.resolvedAt > this.maxAgeMs) return undefined;
    this.entries.set(rel, e);
    const fresh = e.settled && now - e.checkedAt <= this.statMs && this.isOpen(e.abs, e.stat.ino) ? e.stat : null;
    return { abs: e.abs, dev: e.stat.dev, ino: e.stat.ino, fresh };
  }

  /** Remembers rel's real path (resolved now) or, for one remembered, its newer stat. */
  set(rel: string, abs: string, st: Stats): void {
    const now = performance.now();
    const settled = Date.now() - st.mtimeMs > this.settledMs;
    const e = this.entries.get(rel);
    if (e?.abs === abs) {
      e.stat = st;
      e.checkedAt = now;
      e.settled = settled;
      return;
    }
    this.entries.delete(rel);
    this.entries.set(rel, { abs, stat: st, resolvedAt: now, checkedAt: now, settled });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Resolves a decoded relative path against the recordings root: checks it (pure), then realpath()s it and
 * refuses (403) anything whose real location is not inside the root's real location — a symlink leading
 * outside included. Missing files and non-regular files are 404. With `known`, a real path resolved before is
 * reused while it still names the same file (see RealPaths).
 */
export async function resolveInRoot(realRoot: string, path: string, known?: RealPaths): Promise<ResolvedFile> {
  const rel = checkRelativePath(path);
  const hit = known?.get(rel);
  if (hit?.fresh) return { rel, abs: hit.abs, stat: hit.fresh };
  if (hit && known) {
    const st = await stat(hit.abs).catch(() => null);
    if (st?.isFile() && st.ino === hit.ino && st.dev === hit.dev) {
      known.set(rel, hit.abs, st);
      return { rel, abs: hit.abs, stat: st };
    }
  }
  let abs: string;
  try {
    abs = await realpath(join(realRoot, rel));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw webError('notFound', `no such recording: ${rel}`);
    if (code === 'ENAMETOOLONG') throw webError('badPath', 'path too long');
    throw webError('notFound', `cannot open ${rel}`, cause);
  }
  if (!abs.startsWith(realRoot + sep)) throw webError('outsideRoot', 'path leads outside the recordings directory');
  const st = await stat(abs).catch((cause: unknown) => {
    throw webError('notFound', `no such recording: ${rel}`, cause);
  });
  if (!st.isFile()) throw webError('notFound', `not a file: ${rel}`);
  known?.set(rel, abs, st);
  return { rel, abs, stat: st };
}
