import { stat } from 'node:fs/promises';
import { firstFlacFrameIn, readFlacMetadata, type StreamInfo } from '@isr/audio';
import { readAt, type ClipReadOptions } from './clip-read.ts';

/** Where reading a FLAC file can start: a frame boundary, and the number of the first sample of that frame. */
export interface FlacStart {
  offset: number;
  sample: number;
}

/** The metadata blocks are read from this much of the file's head. */
export const FLAC_HEAD_BYTES = 65536;

/** Bytes read at each step: room for two whole frames even when libFLAC stored them verbatim. */
function windowFor(si: StreamInfo): number {
  return Math.max(65536, 2 * (si.maxBlockSize * si.channels * Math.ceil(si.bitsPerSample / 8) + 1024));
}

/**
 * Where to start reading a FLAC file for audio from sample `target` on, by bisection over the file's bytes (as
 * players seek, and as the Ogg clip does): each step reads one window and takes the first whole frame in it (its
 * header's CRC-8 and its CRC-16 both hold), whose number gives its first sample — frames × the fixed block size.
 * Returns the latest frame found that starts at or before `target` (the first frame, `audioOffset`, at worst).
 */
export async function flacSeek(
  abs: string,
  size: number,
  audioOffset: number,
  si: StreamInfo,
  target: number,
  o: ClipReadOptions,
): Promise<FlacStart> {
  let best: FlacStart = { offset: audioOffset, sample: 0 };
  let lo = audioOffset;
  let hi = size;
  const window = windowFor(si);
  while (hi - lo > window) {
    const mid = Math.floor((lo + hi) / 2);
    const found = firstFlacFrameIn(await readAt(abs, mid, window, o));
    const at = found ? mid + found.pos : Infinity;
    if (!found?.fixed || at >= hi) {
      hi = mid;
      continue;
    }
    const sample = found.number * si.maxBlockSize;
    if (sample <= target) {
      if (at > best.offset) best = { offset: at, sample };
      lo = at;
    } else {
      hi = mid;
    }
  }
  return best;
}

/**
 * For a FLAC file (its first FLAC_HEAD_BYTES in `head`) that starts `startMs - fileStartMs` before the clip: where
 * to read on from (null: read it from its start — small, starting inside the clip, or not a fixed-blocksize
 * stream, whose frame numbers count frames; libFLAC, and so the segmenter, writes fixed block sizes).
 */
export async function flacStartFor(
  abs: string,
  head: Uint8Array,
  fileStartMs: number,
  startMs: number,
  o: ClipReadOptions,
): Promise<FlacStart | null> {
  if (startMs <= fileStartMs) return null;
  let step;
  try {
    step = readFlacMetadata(head);
  } catch {
    return null;
  }
  if (step.kind !== 'metadata') return null;
  const { streamInfo: si, audioOffset } = step.metadata;
  if (si.minBlockSize !== si.maxBlockSize || si.sampleRate === 0) return null;
  const { size } = await stat(abs);
  if (size < audioOffset + 4 * windowFor(si)) return null;
  const target = Math.floor(((startMs - fileStartMs) * si.sampleRate) / 1000);
  return flacSeek(abs, size, audioOffset, si, target, o);
}
