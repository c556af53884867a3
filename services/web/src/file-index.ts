import type { AnalysisSummary } from './analysis-view.ts';

/** One recording as /api/files lists it (documented field by field in docs/http-api.md). */
export interface Recording {
  /** Path relative to the recordings root, '/'-separated. */
  path: string;
  source: string;
  /** ISO 8601 of the first sample, with the recording's UTC offset. */
  start: string;
  startMs: number;
  /** Seconds; null while the file is being recorded or when unknown. */
  durationSeconds: number | null;
  /** Bytes on disk (as last seen). */
  bytes: number;
  /** Codec (pcm_s16le, mp3, aac, opus, vorbis, flac) or null when unknown. */
  codec: string | null;
  /** File extension / container: wav, flac, mp3, aac, ogg. */
  container: string;
  sampleRate: number | null;
  channels: number | null;
  /** True while the segmenter is writing it. */
  recording: boolean;
  /** Gaps recorded right before the file's first sample. */
  gaps: number;
  /** On hold (a `<file>.keep` mark): neither retention, the disk guard nor DELETE removes it. */
  keep: boolean;
  analysis: AnalysisSummary | null;
}

export interface FileQuery {
  source?: string;
  /** Epoch ms: files that overlap [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  offset: number;
  limit: number;
}

export interface FilePage {
  total: number;
  offset: number;
  limit: number;
  files: Recording[];
}

/** The in-memory index of recordings, newest first. Pure: fed by the start-up scan and ISR_EVENTS. */
export class FileIndex {
  private readonly byPath = new Map<string, Recording>();
  private sorted: Recording[] = [];
  private dirty = false;
  /** sources(), kept until a recording of a new source arrives or one is removed (/api/files sends it every time). */
  private sourceList: string[] | null = null;

  get size(): number {
    return this.byPath.size;
  }

  get(path: string): Recording | undefined {
    return this.byPath.get(path);
  }

  /** Adds or merges a recording (fields given win over those known). */
  upsert(rec: Partial<Recording> & Pick<Recording, 'path'>): Recording {
    const old = this.byPath.get(rec.path);
    const next = { ...(old ?? EMPTY), ...rec } as Recording;
    if (!old || old.startMs !== next.startMs) this.dirty = true;
    if (!old || old.source !== next.source) this.sourceList = null;
    if (old) Object.assign(old, next);
    else this.byPath.set(rec.path, next);
    return old ?? next;
  }

  remove(path: string): boolean {
    const had = this.byPath.delete(path);
    if (had) {
      this.dirty = true;
      this.sourceList = null;
    }
    return had;
  }

  /** Newest first (ties broken by path so pages are stable). */
  all(): readonly Recording[] {
    if (this.dirty) {
      this.sorted = [...this.byPath.values()].sort(
        (a, b) => b.startMs - a.startMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
      );
      this.dirty = false;
    }
    return this.sorted;
  }

  /** End of a recording in epoch ms (now for one being recorded). */
  static endMs(r: Recording, nowMs: number): number {
    if (r.durationSeconds !== null) return r.startMs + r.durationSeconds * 1000;
    return r.recording ? Math.max(nowMs, r.startMs) : r.startMs;
  }

  query(q: FileQuery, nowMs: number): FilePage {
    const all = this.all();
    // Files are sorted by start descending: skip those that start at or after `toMs` with a binary search.
    let i = 0;
    if (q.toMs !== undefined) {
      let lo = 0;
      let hi = all.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid]!.startMs >= q.toMs) lo = mid + 1;
        else hi = mid;
      }
      i = lo;
    }
    const files: Recording[] = [];
    let total = 0;
    for (; i < all.length; i++) {
      const r = all[i]!;
      if (q.source !== undefined && r.source !== q.source) continue;
      if (q.fromMs !== undefined && FileIndex.endMs(r, nowMs) <= q.fromMs && r.startMs < q.fromMs) continue;
      if (total >= q.offset && files.length < q.limit) files.push(r);
      total++;
    }
    return { total, offset: q.offset, limit: q.limit, files };
  }

  /** A source's recordings, oldest first (for clips). */
  ofSource(source: string): Recording[] {
    return this.all()
      .filter((r) => r.source === source)
      .reverse();
  }

  sources(): readonly string[] {
    this.sourceList ??= [...new Set([...this.byPath.values()].map((r) => r.source))].sort();
    return this.sourceList;
  }
}

const EMPTY: Omit<Recording, 'path'> = {
  source: '',
  start: '',
  startMs: 0,
  durationSeconds: null,
  bytes: 0,
  codec: null,
  container: '',
  sampleRate: null,
  channels: null,
  recording: false,
  gaps: 0,
  keep: false,
  analysis: null,
};
