import { open, type FileHandle } from 'node:fs/promises';
import { webError } from './errors.ts';

interface Entry {
  fh: FileHandle;
  ino: number;
  users: number;
  closing: boolean;
  /** When the last read using it ended (ms, performance.now()). */
  lastUsed: number;
}

/**
 * Open file handles of recently served files, by real path and inode, so a Range GET costs a stat and a
 * positional read instead of open + read + close (each a trip through libuv's thread pool). A handle is
 * closed when evicted (least recently used beyond `max`, or its path now names another inode, or the
 * file is deleted through ISR) once no read is using it, and when no read used it for `idleMs`: a file
 * deleted outside ISR (by hand, by another tool) then frees its space within about 1.5 × idleMs.
 */
export class HandleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(o: { max?: number; idleMs?: number } = {}) {
    this.max = o.max ?? 64;
    this.idleMs = o.idleMs ?? 10_000;
  }

  /** Runs `use` with an open handle of `abs` (inode `ino`), opening it when needed. */
  async with<T>(abs: string, ino: number, use: (fh: FileHandle) => Promise<T>): Promise<T> {
    let e = this.entries.get(abs);
    if (e && e.ino !== ino) {
      this.evict(abs);
      e = undefined;
    }
    if (!e) {
      const fh = await open(abs, 'r');
      // The name may lead to another file than the one the caller checked (replaced, or a directory on it swapped
      // for a symlink since): only the checked inode is read.
      const opened = await fh.stat().catch(async (err: unknown) => {
        await fh.close().catch(() => {});
        throw err;
      });
      if (opened.ino !== ino) {
        await fh.close().catch(() => {});
        throw webError('notFound', 'the recording changed while it was being opened; ask again');
      }
      // Another request may have opened it meanwhile: keep one.
      const again = this.entries.get(abs);
      if (again && again.ino === ino) {
        await fh.close();
        e = again;
      } else {
        e = { fh, ino, users: 0, closing: false, lastUsed: performance.now() };
        this.entries.set(abs, e);
        if (this.entries.size > this.max) this.evict(this.entries.keys().next().value!);
        this.sweeper ??= setInterval(() => this.sweep(), Math.max(1, this.idleMs / 2)).unref();
      }
    } else {
      // Most recently used last.
      this.entries.delete(abs);
      this.entries.set(abs, e);
    }
    e.users++;
    try {
      return await use(e.fh);
    } finally {
      e.users--;
      e.lastUsed = performance.now();
      if (e.closing && e.users === 0) await e.fh.close().catch(() => {});
    }
  }

  /** Whether a handle of `abs` (inode `ino`) is open and not being closed. */
  isOpen(abs: string, ino: number): boolean {
    const e = this.entries.get(abs);
    return e !== undefined && e.ino === ino && !e.closing;
  }

  /** Closes the handles no read has used for idleMs. */
  private sweep(): void {
    const before = performance.now() - this.idleMs;
    for (const [abs, e] of this.entries) if (e.users === 0 && e.lastUsed <= before) this.evict(abs);
    if (this.entries.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  evict(abs: string): void {
    const e = this.entries.get(abs);
    if (!e) return;
    this.entries.delete(abs);
    e.closing = true;
    if (e.users === 0) void e.fh.close().catch(() => {});
  }

  async close(): Promise<void> {
    for (const abs of [...this.entries.keys()]) this.evict(abs);
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
