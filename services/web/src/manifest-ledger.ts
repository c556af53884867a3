import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  lineHash,
  MANIFEST_FILE,
  manifestDays,
  manifestGenesis,
  parseEntry,
  readManifest,
  type ManifestEntry,
} from '@isr/runtime';

/** One day's manifest as the chain walk needs it, kept while the file's size and mtime stay the same. */
interface DaySummary {
  size: number;
  mtimeMs: number;
  /** `prev` of line 1 (null: no lines, or line 1 is no entry — then it is in `breaks`). */
  firstPrev: string | null;
  /** Hash of the last complete line (null: no lines). */
  lastHash: string | null;
  lines: number;
  torn: boolean;
  /** Lines broken within the file: not an entry, or a `prev` that is not the hash of the line before. */
  breaks: { entry: number; detail: string }[];
  /** Each path named in this manifest → the 1-based line of its latest entry here. */
  paths: Map<string, number>;
}

/** Where an entry sits in a source's chain. */
export interface LedgerEntry {
  /** The manifest holding it, relative to the recordings root. */
  manifest: string;
  /** Its 1-based line. */
  entry: number;
  line: ManifestEntry;
}

/** The first break of a source's chain, if any. */
export interface ChainBreak {
  manifest: string;
  entry: number;
  detail: string;
}

/**
 * Reads a source's hash-chained manifests (`<root>/<source>/<day>/manifest.jsonl`) for the web: the latest entry
 * of a path and whether the chain from the source's genesis up to that entry is intact — the same rules as
 * `isr verify` (verify-archive.ts). Each day's manifest is read once and summarised (its links, its last hash, the
 * paths it names); the summary is kept while the file's size and mtime stay the same, so a lookup after the
 * first one reads only the manifest that grew.
 */
export class ManifestLedger {
  readonly #root: string;
  /** Least recently used first. */
  readonly #days = new Map<string, DaySummary>();
  readonly #maxLines: number;
  #lines = 0;

  /**
   * `maxLines`: the summaries kept name at most this many entries in all (least recently used dropped first; a
   * dropped one is read again when needed). A summary of a manifest that is gone (retention deleted its day) is
   * dropped at the source's next lookup.
   */
  constructor(root: string, maxLines = 200_000) {
    this.#root = root;
    this.#maxLines = maxLines;
  }

  /** What the summaries kept hold (for tests and memory checks). */
  get cached(): { manifests: number; lines: number } {
    return { manifests: this.#days.size, lines: this.#lines };
  }

  #forget(rel: string): void {
    const s = this.#days.get(rel);
    if (!s) return;
    this.#days.delete(rel);
    this.#lines -= s.lines;
  }

  #keep(rel: string, s: DaySummary): void {
    this.#forget(rel);
    this.#days.set(rel, s);
    this.#lines += s.lines;
    for (const [old] of this.#days) {
      if (this.#lines <= this.#maxLines || old === rel) break;
      this.#forget(old);
    }
  }

  async #summary(rel: string): Promise<DaySummary | null> {
    const abs = join(this.#root, rel);
    const st = await stat(abs).catch(() => null);
    if (!st) {
      this.#forget(rel);
      return null;
    }
    const known = this.#days.get(rel);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) {
      this.#keep(rel, known);
      return known;
    }
    const m = await readManifest(abs);
    const s: DaySummary = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      firstPrev: null,
      lastHash: null,
      lines: m.lines.length,
      torn: m.torn !== null,
      breaks: [],
      paths: new Map(),
    };
    let prev: string | null = null;
    for (const [k, line] of m.lines.entries()) {
      const n = k + 1;
      const e = parseEntry(line);
      if (!e) s.breaks.push({ entry: n, detail: `entry ${n} is not a manifest entry` });
      else if (n === 1) s.firstPrev = e.prev;
      else if (e.prev !== prev)
        s.breaks.push({
          entry: n,
          detail: `its prev is not the hash of entry ${n - 1}: that entry was changed, or entries were removed or inserted between them, or this one was changed`,
        });
      if (e) s.paths.set(e.path, n);
      prev = lineHash(line);
    }
    s.lastHash = prev;
    this.#keep(rel, s);
    return s;
  }

  /**
   * The latest entry of `path` (relative to the root) in its source's chain, and the first break of the chain at
   * or before that entry (for a path in no manifest: the first break anywhere).
   */
  async lookup(source: string, path: string): Promise<{ entry: LedgerEntry | null; chainBreak: ChainBreak | null }> {
    const days = await manifestDays(join(this.#root, source));
    const listed = new Set(days.map((day) => `${source}/${day}/${MANIFEST_FILE}`));
    for (const rel of [...this.#days.keys()]) if (rel.startsWith(`${source}/`) && !listed.has(rel)) this.#forget(rel);
    const summaries: { rel: string; s: DaySummary }[] = [];
    for (const day of days) {
      const rel = `${source}/${day}/${MANIFEST_FILE}`;
      const s = await this.#summary(rel);
      if (s) summaries.push({ rel, s });
    }
    let at: { i: number; entry: number } | null = null;
    for (let i = summaries.length - 1; i >= 0 && !at; i--) {
      const n = summaries[i]!.s.paths.get(path);
      if (n !== undefined) at = { i, entry: n };
    }
    const before = (i: number, entry: number): boolean => !at || i < at.i || (i === at.i && entry <= at.entry);
    let chainBreak: ChainBreak | null = null;
    let expected = manifestGenesis(source);
    for (const [i, { rel, s }] of summaries.entries()) {
      const breaks = [...s.breaks];
      if (s.lines > 0 && s.firstPrev !== null && s.firstPrev !== expected)
        breaks.unshift({
          entry: 1,
          detail:
            i === 0
              ? "its prev is not the source's genesis hash: earlier entries were removed, or this one was changed"
              : `its prev is not the hash of the last entry of ${summaries[i - 1]!.rel}`,
        });
      if (s.torn && i < summaries.length - 1)
        breaks.push({ entry: s.lines + 1, detail: `entry ${s.lines + 1} is incomplete` });
      const first = breaks.find((b) => before(i, b.entry));
      if (first) {
        chainBreak = { manifest: rel, ...first };
        break;
      }
      if (at && i >= at.i) break;
      expected = s.lastHash ?? expected;
    }
    if (!at) return { entry: null, chainBreak };
    const { rel } = summaries[at.i]!;
    const line = (await readManifest(join(this.#root, rel))).lines[at.entry - 1];
    const e = line === undefined ? null : parseEntry(line);
    // The manifest changed between the summary and this read: the next lookup sees it afresh.
    if (!e || e.path !== path)
      return {
        entry: null,
        chainBreak: chainBreak ?? { manifest: rel, entry: at.entry, detail: 'the manifest changed while it was read' },
      };
    return { entry: { manifest: rel, entry: at.entry, line: e }, chainBreak };
  }
}
