import type { AudioUnit } from '@isr/contract';
import { concat, sameFormat, type StreamFormat, type Unit } from './framer.ts';

/** A run of whole units of one stream format, ready to publish as one ISR_AUDIO message. */
export interface Chunk {
  data: Uint8Array;
  units: AudioUnit[];
  /** Decoded samples per channel in the chunk. */
  frames: number;
  stream: StreamFormat;
}

/**
 * Groups units into chunks of at least `targetMs` of audio (an Ogg page of a second is a chunk on its own).
 * A change of stream format closes the chunk first, so every chunk has one rate and channel count.
 * The cut points depend only on the unit sequence, never on how the bytes arrived.
 */
export class Chunker {
  private readonly targetMs: number;
  private units: Unit[] = [];
  private samples = 0;
  private stream: StreamFormat | null = null;

  constructor(targetMs = 250) {
    this.targetMs = targetMs;
  }

  *push(unit: Unit, stream: StreamFormat): Generator<Chunk> {
    if (this.stream && !sameFormat(this.stream, stream)) yield* this.flush();
    this.stream = stream;
    this.units.push(unit);
    this.samples += unit.samples;
    if ((this.samples * 1000) / stream.sampleRate >= this.targetMs) yield* this.flush();
  }

  /** The chunk in progress, if any. */
  *flush(): Generator<Chunk> {
    if (!this.stream || this.units.length === 0) return;
    yield {
      data: concat(this.units.map((u) => u.data)),
      units: this.units.map((u) => ({ bytes: u.data.length, samples: u.samples })),
      frames: this.samples,
      stream: this.stream,
    };
    this.units = [];
    this.samples = 0;
  }
}
