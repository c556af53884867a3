/** A closed recording as retention sees it. */
export interface ArchivedFile {
  /** Path relative to the recordings root, '/'-separated; its first segment is the source. */
  rel: string;
  source: string;
  bytes: number;
  /** The file's end, judged by its modification time (epoch ms): the age rule of retention and the disk guard. */
  endMs: number;
}

/** A binary min-heap of files by end time (oldest on top). */
class FileHeap {
  readonly #a: ArchivedFile[] = [];

  get size(): number {
    return this.#a.length;
  }

  peek(): ArchivedFile | undefined {
    return this.#a[0];
  }

  push(f: ArchivedFile): void {
    const a = this.#a;
    a.push(f);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p]!.endMs <= a[i]!.endMs) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  pop(): ArchivedFile | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.endMs < a[m]!.endMs) m = l;
        if (r < a.length && a[r]!.endMs < a[m]!.endMs) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/**
 * The closed recordings below one recordings root, oldest first per source, kept current incrementally
 * (a background scan and every file the segmenter closes add to it; deletions remove from it), so neither
 * rule ever walks the directory or sorts the whole archive. Pure: no I/O.
 *
 * Removal is lazy: the heaps may hold entries no longer current (removed, or replaced by a newer `add` of
 * the same path); `byPath` is the truth and stale heap entries are dropped when they reach the top.
 */
export class ArchiveIndex {
  readonly #byPath = new Map<string, ArchivedFile>();
  readonly #heaps = new Map<string, FileHeap>();

  get size(): number {
    return this.#byPath.size;
  }

  has(rel: string): boolean {
    return this.#byPath.has(rel);
  }

  add(f: ArchivedFile): void {
    this.#byPath.set(f.rel, f);
    let h = this.#heaps.get(f.source);
    if (!h) this.#heaps.set(f.source, (h = new FileHeap()));
    h.push(f);
  }

  remove(rel: string): void {
    this.#byPath.delete(rel);
  }

  sources(): string[] {
    return [...this.#heaps.keys()];
  }

  /** The oldest current file of a source. */
  oldestOf(source: string): ArchivedFile | undefined {
    const h = this.#heaps.get(source);
    if (!h) return undefined;
    for (let top = h.peek(); top; top = h.peek()) {
      if (this.#byPath.get(top.rel) === top) return top;
      h.pop();
    }
    this.#heaps.delete(source);
    return undefined;
  }

  /** The oldest current file of any source (ties: the source name decides, so the order is stable). */
  oldest(): ArchivedFile | undefined {
    let best: ArchivedFile | undefined;
    for (const s of [...this.#heaps.keys()]) {
      const f = this.oldestOf(s);
      if (f && (!best || f.endMs < best.endMs || (f.endMs === best.endMs && f.rel < best.rel))) best = f;
    }
    return best;
  }

  /** Takes a file out (it was deleted, vanished, or is held): `oldestOf` then moves on to the next one. */
  take(f: ArchivedFile): void {
    if (this.#byPath.get(f.rel) === f) this.#byPath.delete(f.rel);
  }
}
