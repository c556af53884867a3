import { timeOfFrame } from '@isr/contract';

/** A file of one source as the clip planner sees it. */
export interface ClipSourceFile {
  path: string;
  startMs: number;
  sampleRate: number;
  channels: number;
  /** Sample frames in the file (for a file being recorded: what is on disk now). */
  frames: number;
}

export interface ClipPiece {
  path: string;
  /** First frame (inclusive) and end frame (exclusive) within the file. */
  fromFrame: number;
  toFrame: number;
}

export interface ClipPlan {
  sampleRate: number;
  channels: number;
  pieces: ClipPiece[];
  frames: number;
}

/** Files whose start is within this of the previous file's end continue its sample clock exactly. */
const CONTIGUOUS_MS = 2;

/**
 * Which frames of which files make up [startMs, endMs) — sample-accurate. Pure. Files are placed on one
 * sample timeline: a file that starts where the previous ended (within 2 ms) continues its frame count
 * exactly, so a clip across a split is the exact concatenation of both files' frames; a file after a gap
 * is placed by its own start time. Stops at a change of sample rate or channel count.
 */
export function planClip(files: readonly ClipSourceFile[], startMs: number, endMs: number): ClipPlan | null {
  const sorted = [...files].sort((a, b) => a.startMs - b.startMs);
  const firstIdx = sorted.findIndex((f) => timeOfFrame(f.frames, f.startMs, f.sampleRate) > startMs);
  if (firstIdx < 0) return null;
  const first = sorted[firstIdx]!;
  const sr = first.sampleRate;
  const toFrames = (ms: number) => Math.round(((ms - first.startMs) * sr) / 1000);
  const cs = toFrames(startMs);
  const ce = toFrames(endMs);
  const pieces: ClipPiece[] = [];
  let pos = 0;
  let prev: ClipSourceFile | null = null;
  for (let i = firstIdx; i < sorted.length; i++) {
    const f = sorted[i]!;
    if (f.sampleRate !== sr || f.channels !== first.channels) break;
    if (prev) {
      const prevEndMs = timeOfFrame(prev.frames, prev.startMs, sr);
      pos = Math.abs(f.startMs - prevEndMs) < CONTIGUOUS_MS ? pos + prev.frames : toFrames(f.startMs);
    }
    if (pos >= ce) break;
    const from = Math.max(cs, pos) - pos;
    const to = Math.min(ce, pos + f.frames) - pos;
    if (to > from) pieces.push({ path: f.path, fromFrame: from, toFrame: to });
    prev = f;
  }
  if (pieces.length === 0) return null;
  return {
    sampleRate: sr,
    channels: first.channels,
    pieces,
    frames: pieces.reduce((n, p) => n + p.toFrame - p.fromFrame, 0),
  };
}

/** A compressed codec frame (MP3/AAC/FLAC) located in a file, with its time. */
export interface CodedFrame {
  offset: number;
  bytes: number;
  /** Start in ms (epoch) and length in ms. */
  startMs: number;
  durationMs: number;
}

/** The frames overlapping [startMs, endMs): frame-accurate cut of a compressed stream. Pure. */
export function selectFrames(frames: readonly CodedFrame[], startMs: number, endMs: number): CodedFrame[] {
  return frames.filter((f) => f.startMs + f.durationMs > startMs && f.startMs < endMs);
}
