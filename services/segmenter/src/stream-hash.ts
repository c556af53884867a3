import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

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

/** SHA-256 (hex) of a whole file, read in 1 MiB pieces (a file continued after a crash, or closed early). */
export async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}
