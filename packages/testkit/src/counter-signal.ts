// Dependency-free (node: only): fake-arecord.ts, run by Node as it is, imports it.

/*
 * The test signal is a frame counter: frame i, channel c holds the 16-bit value (i + c·21845) mod 65536, so a
 * decoded recording can be checked sample by sample (a repeated, zeroed or lost frame breaks the count).
 */

/** Sample value (as signed int16) of frame `i`, channel `c` of the counter signal. */
export function counterSample(i: number, c: number): number {
  const u = (i + c * 21845) & 0xffff;
  return u >= 0x8000 ? u - 0x10000 : u;
}

/** `frames` frames of the counter signal from frame `start`, interleaved s16le. */
export function counterSignal(start: number, frames: number, channels: number): Buffer {
  const b = Buffer.alloc(frames * channels * 2);
  for (let i = 0; i < frames; i++)
    for (let c = 0; c < channels; c++) b.writeInt16LE(counterSample(start + i, c), (i * channels + c) * 2);
  return b;
}

export interface CounterCheck {
  frames: number;
  /** Counter value (mod 65536) of the first frame, or null when empty. */
  start: number | null;
  /** Index of the first frame that does not continue the count (or has channels out of step), null if none. */
  firstMismatch: number | null;
}

/** Checks that interleaved s16le PCM is an unbroken run of the counter signal. */
export function checkCounter(pcm: Buffer, channels: number): CounterCheck {
  const frameBytes = channels * 2;
  const frames = Math.floor(pcm.length / frameBytes);
  if (frames === 0) return { frames, start: null, firstMismatch: null };
  const start = pcm.readInt16LE(0) & 0xffff;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      if (pcm.readInt16LE((i * channels + c) * 2) !== counterSample(start + i, c))
        return { frames, start, firstMismatch: i };
    }
  }
  return { frames, start, firstMismatch: null };
}
