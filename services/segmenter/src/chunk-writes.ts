import { timeOfFrame, type AudioChunkMeta, type AudioUnit } from '@isr/contract';
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
  /** The first split boundary after `t` (epoch ms). */
  nextBoundary(t: number): number;
  /** Keeps an MP3 unit that starts a new period in memory until a second one follows (see writeUnits). */
  hold(unit: HeldUnit): void;
  /** The unit held, if any (and forgets it). */
  takeHeld(): HeldUnit | null;
}

/** The first unit of a new period, held back until the next one shows the period really has begun. */
export interface HeldUnit {
  data: Uint8Array;
  unit: AudioUnit;
  meta: AudioChunkMeta;
  /** Session offset of its first sample. */
  offset: number;
}

/** Writes PCM frames [from, end) of a chunk, cutting at each file's exact end frame. */
export async function writePcm(
  c: FileCursor,
  data: Uint8Array,
  meta: AudioChunkMeta,
  from: number,
  end: number,
): Promise<void> {
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
export async function writeUnits(
  c: FileCursor,
  data: Uint8Array,
  meta: AudioChunkMeta,
  units: AudioUnit[],
  from: number,
): Promise<void> {
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
  const held = c.takeHeld();
  if (held && held.offset + held.unit.samples === from && units.length) {
    // A unit follows the held one: the new period has begun — split, and the held unit starts the new file.
    await c.closeForSplit();
    const file = await c.open(held.meta, held.offset);
    await file.sink.writeUnits!(held.data, [held.unit]);
    file.bytes += held.data.length;
    file.frames += held.unit.samples;
    c.wrote(held.data.length);
  } else if (held) {
    c.hold(held);
  }
  for (const [i, u] of units.entries()) {
    const uStart = off;
    off += u.samples;
    const uBytes = p;
    p += u.bytes;
    if (uStart < from) continue;
    const t = timeOfFrame(uStart, meta.sessionStartMs, meta.sampleRate);
    const file = c.current();
    if (file && t >= file.rec.endBoundaryMs) {
      const samplesInFile = file.frames + (batch.length ? batchEndOffset - batchStartOffset : 0);
      if (meta.format === 'mp3' && samplesInFile <= u.samples) {
        // One MP3 frame alone is a file no decoder accepts (ffmpeg: "Could not seek"): it goes on instead
        // through the next period, split at the first frame at or after the next boundary.
        file.rec.endBoundaryMs = c.nextBoundary(t);
      } else if (meta.format === 'mp3' && i === units.length - 1) {
        // The new period's first unit, and nothing after it yet: should the stream end here, a file of it
        // alone would not play. Held in memory (not acknowledged) until the next unit comes; if none comes
        // (new session, hole, idle, shutdown) it is appended to this file instead when it closes.
        await flush();
        c.hold({ data: data.slice(uBytes, p), unit: u, meta, offset: uStart });
        c.advance(meta, off);
        return;
      } else {
        await flush();
        await c.closeForSplit();
      }
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
