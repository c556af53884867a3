import { createHash, type Hash } from 'node:crypto';
import { sha256OfFile } from '@isr/runtime';

/**
 * SHA-256 of a file computed while it is written: fed the bytes in file order as they are appended, so closing
 * a file costs no second read. It stays valid only while every byte arrives in order from offset 0; a sink that
 * rewrites bytes in place tells it what those bytes will finally be (the WAV header, see WavSink) or gives up on
 * it (`invalidate`), and the file is then hashed once at close by reading it back (`hashFile`).
 */
export class StreamHash {
  readonly #hash: Hash = createHash('sha256');
  #length = 0;
  #valid = true;

  /** Bytes `data` at `position`: taken when they continue the hashed prefix, else the hash is given up. */
  feed(data: Uint8Array, position: number): void {
    if (!this.#valid) return;
    if (position !== this.#length) {
      this.#valid = false;
      return;
    }
    this.#hash.update(data);
    this.#length += data.length;
  }

  invalidate(): void {
    this.#valid = false;
  }

  /** The digest (hex) when the hashed prefix is the whole file of `fileLength` bytes, else null. Once only. */
  digest(fileLength: number): string | null {
    if (!this.#valid || this.#length !== fileLength) return null;
    this.#valid = false;
    return this.#hash.digest('hex');
  }
}

/** SHA-256 (hex) of a whole file (a file continued after a crash, or closed early): the runtime's one file hasher. */
export const hashFile = async (path: string): Promise<string> => (await sha256OfFile(path)).sha256;
