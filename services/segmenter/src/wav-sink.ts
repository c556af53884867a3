import { buildWavHeader, WAV_HEADER_BYTES, wavSizePatches, type BextInfo, type WavFormat } from '@isr/audio';
import { closeFd, fdatasync, type Durable, type Sink, writeAt } from './sink.ts';

/** Streams s16le PCM into a BWF WAV; sizes rewritten on sync when asked, and on close. */
export class WavSink implements Sink {
  readonly #fd: number;
  readonly #blockAlign: number;
  #bytes: number;
  #frames: number;

  private constructor(fd: number, format: WavFormat, bytes: number, frames: number) {
    this.#fd = fd;
    this.#blockAlign = format.channels * (format.bitsPerSample / 8);
    this.#bytes = bytes;
    this.#frames = frames;
  }

  static create(fd: number, format: WavFormat, bext: BextInfo): WavSink {
    writeAt(fd, buildWavHeader(format, bext, 0), 0);
    return new WavSink(fd, format, WAV_HEADER_BYTES, 0);
  }

  /** Continues a file recovered at start-up (already truncated to `bytes`). */
  static resume(fd: number, format: WavFormat, bytes: number, frames: number): WavSink {
    return new WavSink(fd, format, bytes, frames);
  }

  async writePcm(data: Uint8Array, frames: number): Promise<void> {
    writeAt(this.#fd, data, this.#bytes);
    this.#bytes += data.length;
    this.#frames += frames;
  }

  #rewriteSizes(): void {
    for (const p of wavSizePatches(this.#bytes, this.#blockAlign)) writeAt(this.#fd, p.bytes, p.offset);
  }

  async sync(rewriteHeader: boolean): Promise<Durable> {
    if (rewriteHeader) this.#rewriteSizes();
    const d = { bytes: this.#bytes, frames: this.#frames };
    await fdatasync(this.#fd);
    return d;
  }

  async close(): Promise<Durable> {
    this.#rewriteSizes();
    await fdatasync(this.#fd);
    await closeFd(this.#fd);
    return { bytes: this.#bytes, frames: this.#frames };
  }

  async abandon(): Promise<void> {
    await closeFd(this.#fd).catch(() => undefined);
  }
}
