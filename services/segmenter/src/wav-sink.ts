import { buildWavHeader, WAV_HEADER_BYTES, wavSizePatches, type BextInfo, type WavFormat } from '@isr/audio';
import { AppendSink, type Durable, writeAt } from './sink.ts';
import { StreamHash } from './stream-hash.ts';

/**
 * Streams s16le PCM into a BWF WAV; sizes rewritten on sync when asked, and on close.
 *
 * Hashing while writing: the header's two sizes are rewritten in place at close, so the hash cannot be the bytes
 * as first written. A new file's length is known in advance — it ends at its split boundary — so the hash starts
 * with the header as it will be at close for that length, then takes the audio as appended. A file closed at
 * another length (idle, shutdown, new session) has no streamed digest and is read back once at close.
 */
export class WavSink extends AppendSink {
  readonly #blockAlign: number;
  /** File length the streamed hash's header was made for (null: no streamed hash). */
  readonly #expectedBytes: number | null;

  private constructor(
    fd: number,
    format: WavFormat,
    bytes: number,
    frames: number,
    hash: StreamHash | null,
    expectedBytes: number | null,
  ) {
    super(fd, bytes, frames, hash);
    this.#blockAlign = format.channels * (format.bitsPerSample / 8);
    this.#expectedBytes = expectedBytes;
  }

  /** A new file; `expectedFrames` is what it holds when it closes at its split boundary. */
  static create(fd: number, format: WavFormat, bext: BextInfo, expectedFrames: number): WavSink {
    const header = buildWavHeader(format, bext, 0);
    writeAt(fd, header, 0);
    const blockAlign = format.channels * (format.bitsPerSample / 8);
    const expectedBytes = WAV_HEADER_BYTES + expectedFrames * blockAlign;
    const final = Buffer.from(header);
    for (const p of wavSizePatches(expectedBytes, blockAlign)) p.bytes.copy(final, p.offset);
    const hash = new StreamHash();
    hash.feed(final, 0);
    return new WavSink(fd, format, WAV_HEADER_BYTES, 0, hash, expectedBytes);
  }

  /** Continues a file recovered at start-up (already truncated to `bytes`). */
  static resume(fd: number, format: WavFormat, bytes: number, frames: number): WavSink {
    return new WavSink(fd, format, bytes, frames, null, null);
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

  override digest(): string | null {
    return this.bytes === this.#expectedBytes ? super.digest() : null;
  }
}
