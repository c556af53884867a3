import { CaptureStates, RecorderStates, redactSecrets, type LiveLevel, type SourceStatus } from '@isr/contract';

/** What /api/status says about one source. */
export interface SourceView {
  source: string;
  /** recording | reconnecting | connecting | disk_full | error | stopped | idle | unknown. */
  state: string;
  message: string | null;
  /** Relative path of the file being written, or null. */
  file: string | null;
  since: string | null;
  bytes: number | null;
  lastChunk: string | null;
  title: string | null;
  level: LiveLevel | null;
  updated: string | null;
}

/** Recorder states with a file open: recording, or held after a write failure (the same file is retried). */
const OPEN_FILE_STATES: ReadonlySet<string> = new Set([
  RecorderStates.recording,
  RecorderStates.disk_full,
  RecorderStates.error,
]);
const hasOpenFile = (r: { state: string; file: string | null } | undefined): boolean =>
  Boolean(r?.file && OPEN_FILE_STATES.has(r.state));

const redactOrNull = (m: string | null): string | null => (m === null ? null : redactSecrets(m));

/** Live state per source, fed by the KV isr_status watch and the isr.level.<source> subscription. Pure. */
export class StatusBoard {
  private readonly status = new Map<string, SourceStatus>();
  private readonly levels = new Map<string, LiveLevel>();

  setStatus(s: SourceStatus): void {
    this.status.set(s.source, s);
  }

  deleteStatus(source: string): void {
    this.status.delete(source);
  }

  setLevel(l: LiveLevel): void {
    this.levels.set(l.source, l);
  }

  statusOf(source: string): SourceStatus | undefined {
    return this.status.get(source);
  }

  /**
   * Is this file being written? The segment events (opened → closed) decide; the recorder's status in KV
   * corrects them only when it is newer than the file's start: it names this file (a file found by the scan
   * while being written) or it has moved on (a file a crashed segmenter never closed).
   */
  isRecording(f: {
    source: string;
    path: string;
    startMs: number;
    recording: boolean;
    durationSeconds: number | null;
  }): boolean {
    const r = this.status.get(f.source)?.recorder;
    if (!r) return f.recording;
    if (hasOpenFile(r) && r.file === f.path) return !this.closed.has(f.path);
    const fresh = Date.parse(r.updated) > f.startMs + 5000;
    return f.recording && !fresh;
  }

  /** Files whose closed event was seen: a lagging KV status never re-opens them. */
  private readonly closed = new Set<string>();
  markClosed(path: string): void {
    this.closed.add(path);
    if (this.closed.size > 10_000) this.closed.delete(this.closed.values().next().value!);
  }

  view(source: string): SourceView {
    const s = this.status.get(source);
    const c = s?.capture;
    const r = s?.recorder;
    // The capture's trouble (reconnecting/error) is what a user needs to see first; else the recorder's state
    // (disk_full or error while the segmenter holds the source, even if the capture records happily).
    const state = c && c.state !== CaptureStates.recording ? c.state : (r?.state ?? c?.state ?? 'unknown');
    return {
      source,
      state,
      // Redacted here too: a status written by an older capture may still hold a stream URL's credentials.
      message: redactOrNull(c?.message ?? r?.message ?? null),
      file: r?.file ?? null,
      since: r?.since ?? c?.since ?? null,
      bytes: r?.bytes ?? null,
      lastChunk: r?.lastChunk ?? c?.lastChunk ?? null,
      title: c?.title ?? null,
      level: this.levels.get(source) ?? null,
      updated:
        [c?.updated, r?.updated]
          .filter((x): x is string => Boolean(x))
          .sort()
          .pop() ?? null,
    };
  }

  sources(): string[] {
    return [...new Set([...this.status.keys(), ...this.levels.keys()])].sort();
  }

  /** Seed-compatible `{"active": [...]}` plus per-source state. */
  snapshot(): {
    active: { source: string; file: string | null; since: string | null; bytes: number | null }[];
    sources: SourceView[];
  } {
    const sources = this.sources().map((s) => this.view(s));
    const active = sources
      .filter((v) => hasOpenFile(this.status.get(v.source)?.recorder))
      .map((v) => ({ source: v.source, file: v.file, since: v.since, bytes: v.bytes }));
    return { active, sources };
  }
}
