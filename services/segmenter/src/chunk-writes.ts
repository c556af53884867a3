import { timeOfFrame } from '@isr/audio';
import type { AudioChunkMeta, AudioUnit } from '@isr/contract';
import type { OpenFile } from './recording-file.ts';

/** The source writer's side of writing a chunk: its open file and the moves between files. */
export interface FileCursor {
  /** The open file, or null. */
  current(): OpenFile | null;
  /** Opens the file whose first sample is at session offset `offset`. */
  open(meta: AudioChunkMeta, offset: number): Promise<OpenFile>;
  /** Closes the open file at its split boundary. */
  closeForSplit(): Promise<void>;
  /** Everything before session offset `offset` of this chunk's session is written. */
  advance(meta: AudioChunkMeta, offset: number): void;
  /** `bytes` were written to the open file (metrics). */
  wrote(bytes: number): void;
}

/** Writes PCM frames [from, end) of a chunk, cutting at each file's exact end frame. */
export async function writePcm(c: FileCursor, data: Uint8Array, meta: AudioChunkMeta, from: number, end: number): Promise<void> {
  const bpf = meta.channels * 2;
  let f = from;
  while (f < end) {
    const file = c.current() ?? (await c.open(meta, f));
    const stop = Math.min(end, file.endFrame);
    const slice = data.subarray((f - meta.offset) * bpf, (stop - meta.offset) * bpf);
    await file.sink.writePcm!(slice, stop - f);
    file.bytes += slice.length;
    file.frames += stop - f;
    c.wrote(slice.length);
    f = stop;
    c.advance(meta, f);
    if (f === file.endFrame) await c.closeForSplit();
  }
}

/**
 * Writes the units of a compressed chunk that start at or after session offset `from`, in batches of
 * consecutive units per file; a unit starting at or after the file's end boundary goes to the next file.
 */
export async function writeUnits(c: FileCursor, data: Uint8Array, meta: AudioChunkMeta, units: AudioUnit[], from: number): Promise<void> {
  let off = meta.offset;
  let p = 0;
  let batchStart = -1;
  let batchEnd = 0;
  let batch: AudioUnit[] = [];
  let batchStartOffset = from;
  let batchEndOffset = from;
  const flush = async () => {
    const file = c.current();
    if (!batch.length || !file) return;
    const bytes = data.subarray(batchStart, batchEnd);
    await file.sink.writeUnits!(bytes, batch);
    file.bytes += bytes.length;
    file.frames += batchEndOffset - batchStartOffset; // the batch's units are consecutive
    c.wrote(bytes.length);
    c.advance(meta, batchEndOffset);
    batch = [];
    batchStart = -1;
  };
  for (const u of units) {
    const uStart = off;
    off += u.samples;
    const uBytes = p;
    p += u.bytes;
    if (uStart < from) continue;
    const t = timeOfFrame(uStart, meta.sessionStartMs, meta.sampleRate);
    const file = c.current();
    if (file && t >= file.rec.endBoundaryMs) {
      await flush();
      await c.closeForSplit();
    }
    if (!c.current()) {
      await flush();
      await c.open(meta, uStart);
    }
    if (batchStart < 0) {
      batchStart = uBytes;
      batchStartOffset = uStart;
    }
    batchEnd = p;
    batch.push(u);
    batchEndOffset = off;
  }
  await flush();
}
