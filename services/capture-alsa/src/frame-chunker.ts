/**
 * Re-chunks a byte stream of interleaved s16le PCM into chunks of exactly `chunkFrames` frames,
 * whatever sizes the pipe delivers (pure; no I/O). A frame is never split: bytes of an incomplete
 * frame wait for the next push.
 */
export class FrameChunker {
  readonly frameBytes: number;
  readonly chunkBytes: number;
  private parts: Buffer[] = [];
  private held = 0;
  /** Frames handed out so far (= offset of the next chunk's first frame). */
  private emitted = 0;

  readonly chunkFrames: number;
  readonly channels: number;

  constructor(chunkFrames: number, channels: number, bytesPerSample = 2) {
    this.chunkFrames = chunkFrames;
    this.channels = channels;
    if (!Number.isSafeInteger(chunkFrames) || chunkFrames < 1)
      throw new RangeError(`chunkFrames must be a positive integer, got ${chunkFrames}`);
    this.frameBytes = channels * bytesPerSample;
    this.chunkBytes = chunkFrames * this.frameBytes;
  }

  /** Frames emitted so far. */
  get framesEmitted(): number {
    return this.emitted;
  }

  /** Adds bytes; returns every complete chunk now available, each with its offset in frames. */
  push(data: Uint8Array): { offset: number; frames: number; data: Buffer }[] {
    if (data.length === 0) return [];
    this.parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.held += data.length;
    const out: { offset: number; frames: number; data: Buffer }[] = [];
    if (this.held < this.chunkBytes) return out;
    const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
    let pos = 0;
    while (this.held - pos >= this.chunkBytes) {
      // copy: the chunk outlives the pipe's buffer and sits in the publish queue
      out.push({
        offset: this.emitted,
        frames: this.chunkFrames,
        data: Buffer.from(all.subarray(pos, pos + this.chunkBytes)),
      });
      this.emitted += this.chunkFrames;
      pos += this.chunkBytes;
    }
    const rest = all.subarray(pos);
    this.parts = rest.length ? [Buffer.from(rest)] : [];
    this.held = rest.length;
    return out;
  }

  /** End of the session: the remaining whole frames as a short chunk (or null); trailing bytes of a partial frame are dropped and reported. */
  flush(): { chunk: { offset: number; frames: number; data: Buffer } | null; droppedBytes: number } {
    const all = Buffer.concat(this.parts, this.held);
    const frames = Math.floor(all.length / this.frameBytes);
    const droppedBytes = all.length - frames * this.frameBytes;
    this.parts = [];
    this.held = 0;
    if (frames === 0) return { chunk: null, droppedBytes };
    const chunk = { offset: this.emitted, frames, data: Buffer.from(all.subarray(0, frames * this.frameBytes)) };
    this.emitted += frames;
    return { chunk, droppedBytes };
  }
}

/** Frames in one chunk of `chunkMs` at `sampleRate` (at least 1). */
export function chunkFramesFor(sampleRate: number, chunkMs: number): number {
  return Math.max(1, Math.round((sampleRate * chunkMs) / 1000));
}
