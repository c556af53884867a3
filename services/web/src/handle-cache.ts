import { open, type FileHandle } from 'node:fs/promises';

interface Entry {
  fh: FileHandle;
  ino: number;
  users: number;
  closing: boolean;
}

/**
 * Open file handles of recently served files, by real path and inode, so a Range GET costs a stat and a
 * positional read instead of open + read + close (each a trip through libuv's thread pool). A handle is
 * closed when evicted (least recently used beyond `max`, or its path now names another inode, or the
 * file is deleted) once no read is using it.
 */
export class HandleCache {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;

  constructor(max = 64) {
    this.max = max;
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
      // Another request may have opened it meanwhile: keep one.
      const again = this.entries.get(abs);
      if (again && again.ino === ino) {
        await fh.close();
        e = again;
      } else {
        e = { fh, ino, users: 0, closing: false };
        this.entries.set(abs, e);
        if (this.entries.size > this.max) this.evict(this.entries.keys().next().value!);
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
      if (e.closing && e.users === 0) await e.fh.close().catch(() => {});
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
  }
}
