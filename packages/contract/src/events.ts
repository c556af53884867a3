import type { AudioCodec, AudioFormat } from './headers.ts';

/** A stretch of time with no audio: a stream reconnect, a device restart, a capture crash. Recorded, never hidden. */
export interface Gap {
  /** ISO UTC of the last sample before the gap (null when unknown, e.g. first session after segmenter start). */
  start: string | null;
  /** ISO UTC of the first sample after the gap. */
  end: string;
  /** Length in seconds (end − start), null when start is unknown. */
  seconds: number | null;
  /** Why: 'new-session' (reconnect/restart of the capture), 'discontinuity' (sequence hole). */
  reason: 'new-session' | 'discontinuity';
}

/** Body of isr.segment.opened.<source>. */
export interface SegmentOpenedEvent {
  source: string;
  /** Path relative to output_directory, '/'-separated. */
  path: string;
  /** ISO UTC of the file's first sample (to the ms; exact value = startFrameTime below). */
  start: string;
  /** Same instant with the configured zone's UTC offset, e.g. 2026-11-24T05:00:00.000+01:00. */
  startLocal: string;
  format: AudioFormat;
  codec: AudioCodec;
  /** 'wav' | 'flac' | 'mp3' | 'aac' | 'ogg'. */
  container: string;
  sampleRate: number;
  channels: number;
  session: string;
  /** Gap(s) right before this file's first sample. */
  gaps: Gap[];
}

/** Body of isr.segment.closed.<source>. */
export interface SegmentClosedEvent extends SegmentOpenedEvent {
  /** ISO UTC just after the file's last sample. */
  end: string;
  durationSeconds: number;
  /** Sample frames in the file. */
  frames: number;
  bytes: number;
  /** Why the file was closed. */
  reason: 'split' | 'new-session' | 'idle' | 'shutdown' | 'format-change' | 'error';
  /** SHA-256 (hex) of the whole file as closed, as in the source's manifest.jsonl (absent from older segmenters). */
  sha256?: string;
}

/** Why the segmenter deleted a recording: its age passed keep_days, or free space fell towards min_free_mb. */
export const DeletionReasons = {
  retention: 'retention',
  diskGuard: 'disk_guard',
} as const;
export type DeletionReason = (typeof DeletionReasons)[keyof typeof DeletionReasons];

/**
 * A recording with a file named `<recording>` + this suffix beside it is on hold ("keep", legal hold):
 * neither retention nor the disk guard deletes it, and the web refuses to DELETE it. The web writes the
 * mark (PUT /api/keep/<path>); its content is a KeepMark, its existence is what counts.
 */
export const KEEP_MARK_SUFFIX = '.keep';

/** Content of a `<recording>.keep` file. */
export interface KeepMark {
  path: string;
  /** ISO UTC of when the mark was set. */
  since: string;
  /** Who set it: the Basic-auth user name, or 'token'. */
  by: string;
}

/** Body of isr.segment.deleted.<source>: a closed recording (and its analysis) was deleted by the segmenter. */
export interface SegmentDeletedEvent {
  source: string;
  /** Path relative to output_directory, '/'-separated. */
  path: string;
  reason: DeletionReason;
  /** Size of the file when it was deleted. */
  bytes: number;
  /** ISO UTC of the file's end, as judged for its age (its modification time). */
  end: string;
  /** ISO UTC of the deletion. */
  deletedAt: string;
}

/** Body of isr.metadata.<source>: a change of ICY StreamTitle (or other in-band metadata). */
export interface MetadataEvent {
  source: string;
  session: string;
  /** ISO UTC of the audio position where the metadata applies. */
  time: string;
  /** Sample offset in the session at which it applies. */
  offset: number;
  title: string | null;
  raw: Record<string, string>;
}

/** Body of isr.level.<source> (core NATS): live levels over the last second. */
export interface LiveLevel {
  source: string;
  /** ISO UTC of the end of the measured window. */
  time: string;
  rmsDbfs: number;
  peakDbfs: number;
  /** Seconds the source has been below its dead-air threshold (0 when not). */
  silentSeconds: number;
  deadAir: boolean;
  /** Recent min/max pairs (−1…1) since the previous message, for the growing waveform. */
  waveform: number[];
  /** Seconds of audio each min/max pair covers (the analyzer: 0.05). */
  pairSeconds?: number;
  /** Capture session and the sample offset (frames from the session start) just after the last pair. */
  session?: string;
  offset?: number;
  sampleRate?: number;
  channels?: number;
}

export function parseJson<T>(data: Uint8Array, what: string): T {
  try {
    return JSON.parse(new TextDecoder().decode(data)) as T;
  } catch (cause) {
    throw new Error(`${what}: body is not JSON`, { cause });
  }
}

export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
