import type { AudioUnit } from '@isr/contract';
import { closeFd, fdatasync, type Durable, type Sink, writeAt } from './sink.ts';

/**
 * MP3, AAC (ADTS) and native FLAC streams: the units as received, after the codec init (FLAC `fLaC` +
 * metadata; nothing for MP3/AAC) so every file plays alone.
 */
export class RawSink implements Sink {
  readonly #fd: number;
  #bytes: number;
  #frames: number;

  constructor(fd: number, bytes: number, frames: number) {
    this.#fd = fd;
    this.#bytes = bytes;
    this.#frames = frames;
  }

  static create(fd: number, init: Uint8Array | null): RawSink {
    if (init?.length) writeAt(fd, init, 0);
    return new RawSink(fd, init?.length ?? 0, 0);
  }

  async writeUnits(data: Uint8Array, units: readonly AudioUnit[]): Promise<void> {
    writeAt(this.#fd, data, this.#bytes);
    this.#bytes += data.length;
    for (const u of units) this.#frames += u.samples;
  }

  async sync(): Promise<Durable> {
    const d = { bytes: this.#bytes, frames: this.#frames };
    await fdatasync(this.#fd);
    return d;
  }

  async close(): Promise<Durable> {
    await fdatasync(this.#fd);
    await closeFd(this.#fd);
    return { bytes: this.#bytes, frames: this.#frames };
  }

  async abandon(): Promise<void> {
    await closeFd(this.#fd).catch(() => undefined);
  }
}
