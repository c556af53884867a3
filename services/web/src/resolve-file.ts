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
 * Real paths already resolved, so a Range GET of a file being played costs one stat instead of realpath + stat
 * (two trips through libuv's thread pool; the thread hand-offs were a main cost of serving a range). An entry
 * is used only while its real path still names the same file (dev and inode, from the stat each request makes
 * anyway) and for at most maxAgeMs: a directory on the path replaced by a symlink leading outside the root
 * changes what the real path names, so it is resolved (and refused) again at once; a symlink inside the root
 * retargeted to another file is followed within maxAgeMs. Least recently used entries go beyond `max`.
 */
export class RealPaths {
  private readonly entries = new Map<string, { abs: string; dev: number; ino: number; at: number }>();
  private readonly max: number;
  private readonly maxAgeMs: number;

  constructor(o: { max?: number; maxAgeMs?: number } = {}) {
    this.max = o.max ?? 4096;
    this.maxAgeMs = o.maxAgeMs ?? 2000;
  }

  get(rel: string): { abs: string; dev: number; ino: number } | undefined {
    const e = this.entries.get(rel);
    if (!e) return undefined;
    this.entries.delete(rel);
    if (performance.now() - e.at > this.maxAgeMs) return undefined;
    this.entries.set(rel, e);
    return e;
  }

  set(rel: string, abs: string, st: Stats): void {
    this.entries.delete(rel);
    this.entries.set(rel, { abs, dev: st.dev, ino: st.ino, at: performance.now() });
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
  if (hit) {
    const st = await stat(hit.abs).catch(() => null);
    if (st?.isFile() && st.ino === hit.ino && st.dev === hit.dev) return { rel, abs: hit.abs, stat: st };
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
