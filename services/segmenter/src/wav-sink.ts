import { buildWavHeader, WAV_HEADER_BYTES, wavSizePatches, type BextInfo, type WavFormat } from '@isr/audio';
import { AppendSink, type Durable, writeAt } from './sink.ts';

/** Streams s16le PCM into a BWF WAV; sizes rewritten on sync when asked, and on close. */
export class WavSink extends AppendSink {
  readonly #blockAlign: number;

  private constructor(fd: number, format: WavFormat, bytes: number, frames: number) {
    super(fd, bytes, frames);
    this.#blockAlign = format.channels * (format.bitsPerSample / 8);
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
    this.append(data, frames);
  }

  #rewriteSizes(): void {
    for (const p of wavSizePatches(this.bytes, this.#blockAlign)) writeAt(this.fd, p.bytes, p.offset);
  }

  override async sync(rewriteHeader: boolean): Promise<Durable> {
    if (rewriteHeader) this.#rewriteSizes();
    return super.sync();
  }

  override async close(): Promise<Durable> {
    this.#rewriteSizes();
    return super.close();
  }
}
