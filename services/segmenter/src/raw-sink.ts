import type { AudioUnit } from '@isr/contract';
import { AppendSink, writeAt } from './sink.ts';
import { StreamHash } from './stream-hash.ts';

/**
 * MP3, AAC (ADTS) and native FLAC streams: the units as received, after the codec init (FLAC `fLaC` +
 * metadata; nothing for MP3/AAC) so every file plays alone.
 */
export class RawSink extends AppendSink {
  constructor(fd: number, bytes: number, frames: number, hash: StreamHash | null = null) {
    super(fd, bytes, frames, hash);
  }

  static create(fd: number, init: Uint8Array | null): RawSink {
    const hash = new StreamHash();
    if (init?.length) {
      writeAt(fd, init, 0);
      hash.feed(init, 0);
    }
    return new RawSink(fd, init?.length ?? 0, 0, hash);
  }

  async writeUnits(data: Uint8Array, units: readonly AudioUnit[]): Promise<void> {
    let frames = 0;
    for (const u of units) frames += u.samples;
    this.append(data, frames);
  }
}
