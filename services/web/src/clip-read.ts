import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** What every read a clip makes shares: the request's abort signal and a byte counter. */
export interface ClipReadOptions {
  /** Aborted when the client goes away: open reads stop and child processes are killed. */
  signal?: AbortSignal;
  /** Bytes read from a recording (isr_web_clip_read_bytes_total). */
  onRead?: (bytes: number) => void;
}

/** A file's bytes from `start` to `end` (inclusive), in chunks of up to 256 KiB, counted and abortable. */
export async function* readChunks(abs: string, o: ClipReadOptions, start = 0, end?: number): AsyncGenerator<Buffer> {
  o.signal?.throwIfAborted();
  const stream = createReadStream(abs, { start, end, highWaterMark: 256 * 1024, signal: o.signal });
  for await (const chunk of stream) {
    o.onRead?.((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/** `length` bytes at `position` (fewer at the end of the file), counted. */
export async function readAt(abs: string, position: number, length: number, o: ClipReadOptions): Promise<Buffer> {
  o.signal?.throwIfAborted();
  const fh = await open(abs, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    o.onRead?.(bytesRead);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
