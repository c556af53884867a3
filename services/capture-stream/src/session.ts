import { randomUUID } from 'node:crypto';
import { timeOfFrame, type CodecInit } from '@isr/contract';
import type { UnsentChunkMeta } from '@isr/runtime';
import type { Chunk } from './chunker.ts';
import { sameFormat, type StreamFormat } from './framer.ts';

/**
 * The sample clock of one capture session: id, wall-clock anchor of its first byte, offset counted in decoded
 * samples. Pure; the recorder starts a new one on every (re)connect or format change. The sequence number is the
 * publisher's: it is given when a chunk is first sent (see OrderedPublisher).
 */
export class CaptureSession {
  readonly id: string;
  readonly startMs: number;
  private chunks = 0;
  private offset = 0;
  private format: StreamFormat | null = null;

  constructor(startMs: number, id: string = randomUUID()) {
    this.id = id;
    this.startMs = startMs;
  }

  get hasAudio(): boolean {
    return this.chunks > 0;
  }

  get stream(): StreamFormat | null {
    return this.format;
  }

  /** Wall-clock ms of the session's sample position `offset`. */
  timeAt(offset: number): number {
    return this.format ? timeOfFrame(offset, this.startMs, this.format.sampleRate) : this.startMs;
  }

  /** Whether a chunk of this format can continue the session (same codec, rate, channels). */
  accepts(stream: StreamFormat): boolean {
    return !this.format || sameFormat(this.format, stream);
  }

  /** A follow-on session anchored at the end of this one's audio (a format change, an Ogg chain restart). */
  successor(): CaptureSession {
    return new CaptureSession(this.hasAudio ? this.timeAt(this.offset) : this.startMs);
  }

  /** Headers of the next chunk (all but its seq); advances the offset. */
  next(source: string, chunk: Chunk): UnsentChunkMeta {
    this.format ??= chunk.stream;
    const meta: UnsentChunkMeta = {
      source,
      format: chunk.stream.format,
      codec: chunk.stream.codec,
      sampleRate: chunk.stream.sampleRate,
      channels: chunk.stream.channels,
      session: this.id,
      sessionStartMs: this.startMs,
      offset: this.offset,
      frames: chunk.frames,
      units: chunk.units,
    };
    this.offset += chunk.frames;
    this.chunks++;
    return meta;
  }

  codecInit(source: string, init: Uint8Array, stream: StreamFormat): CodecInit {
    return {
      source,
      session: this.id,
      format: stream.format,
      codec: stream.codec,
      sampleRate: stream.sampleRate,
      channels: stream.channels,
      init: Buffer.from(init).toString('base64'),
    };
  }
}
