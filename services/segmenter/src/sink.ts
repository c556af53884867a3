import {
  fdatasync as fdatasyncCb,
  ftruncate as ftruncateCb,
  close as closeCb,
  open as openCb,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';
import type { AudioUnit } from '@isr/contract';
import type { OggPosition } from './journal.ts';
import type { StreamHash } from './stream-hash.ts';

export const fdatasync = promisify(fdatasyncCb);
export const ftruncate = promisify(ftruncateCb);
export const closeFd = promisify(closeCb);
/** Opens a file and resolves to its descriptor (the sinks write by descriptor and position). */
export const openFd = promisify(openCb);

/** Writes all of `data` at `position` (page cache; a chunk is ~20 KB) or throws — a short write (disk full) included. */
export function writeAt(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) {
    const n = writeSync(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw new Error(`short write: ${done} of ${data.length} bytes`);
    done += n;
  }
}

/** What of a file is on disk for sure (after sync/close). */
export interface Durable {
  bytes: number;
  frames: number;
  ogg?: OggPosition | null;
}

/**
 * One open recording file. Writes are appended synchronously (page cache; a chunk is ~20 KB), syncs are
 * asynchronous fdatasyncs. Calls are serialised by the source writer.
 */
export interface Sink {
  /** PCM: interleaved s16le frames. */
  writePcm?(data: Uint8Array, frames: number): Promise<void>;
  /** Compressed: whole units, concatenated. */
  writeUnits?(data: Uint8Array, units: readonly AudioUnit[]): Promise<void>;
  /** Make what was written durable; rewrite the header when `rewriteHeader`. Returns the durable extent. */
  sync(rewriteHeader: boolean): Promise<Durable>;
  /** Finish the file (final header, encoder flush), sync and close it. */
  close(): Promise<Durable>;
  /** Close the descriptor without finishing and without writing anything more (a failed write, a lost lease). */
  abandon(): Promise<void>;
  /**
   * After close(): the SHA-256 (hex) of the file as closed, computed while it was written — or null when the
   * file must be read back to hash it (continued after a crash, closed before its predicted end, FLAC).
   */
  digest(): string | null;
}

/**
 * A sink that appends to a descriptor and counts what it wrote: the extent it reports at a sync is what was
 * written before the fdatasync started. WAV, Ogg and the raw streams; FLAC goes through libFLAC instead.
 */
export abstract class AppendSink implements Sink {
  protected readonly fd: number;
  protected bytes: number;
  protected frames: number;
  /** The file's hash so far (null: a continued file, whose first part this process did not write). */
  protected readonly hash: StreamHash | null;

  protected constructor(fd: number, bytes: number, frames: number, hash: StreamHash | null = null) {
    this.fd = fd;
    this.bytes = bytes;
    this.frames = frames;
    this.hash = hash;
  }

  /** Appends `data` (`frames` sample frames) at the end of what was written. */
  protected append(data: Uint8Array, frames: number): void {
    writeAt(this.fd, data, this.bytes);
    this.hash?.feed(data, this.bytes);
    this.bytes += data.length;
    this.frames += frames;
  }

  protected durable(): Durable {
    return { bytes: this.bytes, frames: this.frames };
  }

  async sync(_rewriteHeader = false): Promise<Durable> {
    const d = this.durable();
    await fdatasync(this.fd);
    return d;
  }

  async close(): Promise<Durable> {
    await fdatasync(this.fd);
    await closeFd(this.fd);
    return this.durable();
  }

  async abandon(): Promise<void> {
    this.hash?.invalidate();
    await closeFd(this.fd).catch(() => undefined);
  }

  digest(): string | null {
    return this.hash?.digest(this.bytes) ?? null;
  }
}
