/** Value of KV isr_status.<source>. Each writer owns one part and updates it with compare-and-set. */
export interface SourceStatus {
  source: string;
  capture?: CaptureStatus;
  recorder?: RecorderStatus;
}

export const CaptureStates = {
  connecting: 'connecting',
  recording: 'recording',
  reconnecting: 'reconnecting',
  error: 'error',
  stopped: 'stopped',
} as const;
export type CaptureState = (typeof CaptureStates)[keyof typeof CaptureStates];

/** Written by capture-stream / capture-alsa. */
export interface CaptureStatus {
  service: 'capture-stream' | 'capture-alsa';
  state: CaptureState;
  /** Last error or reason, human-readable (arecord's stderr, HTTP status, codec mismatch…). */
  message: string | null;
  session: string | null;
  /** ISO UTC when the current session started. */
  since: string | null;
  /** ISO UTC of the last chunk published. */
  lastChunk: string | null;
  format: string | null;
  codec: string | null;
  sampleRate: number | null;
  channels: number | null;
  /** ICY StreamTitle now playing, when the stream has one. */
  title?: string | null;
  updated: string;
}

export const RecorderStates = {
  recording: 'recording',
  idle: 'idle',
  /**
   * A write failed for lack of space (ENOSPC, EDQUOT) or a failing disk (EIO): the source is held — its open
   * file kept, nothing acknowledged, the audio waiting in JetStream — and the same write retried until it fits.
   */
  disk_full: 'disk_full',
  /** Another write failure (permissions, a path in the way…): held and retried the same way. */
  error: 'error',
  stopped: 'stopped',
} as const;
export type RecorderState = (typeof RecorderStates)[keyof typeof RecorderStates];

/** Written by the segmenter. */
export interface RecorderStatus {
  state: RecorderState;
  /** Relative path of the file being written, null when none. */
  file: string | null;
  bytes: number;
  frames: number;
  /** ISO UTC of the current file's first sample. */
  since: string | null;
  /** ISO UTC of the end of the last chunk written. */
  lastChunk: string | null;
  message: string | null;
  /** The segmenter group member writing the source (host-pid-random; see isr_segmenter_source_owned). */
  owner?: string | null;
  updated: string;
}
