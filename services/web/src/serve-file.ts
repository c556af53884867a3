import type { FileHandle } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { wavDataExtent, wavHeaderForSize } from '@isr/audio';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HandleCache } from './handle-cache.ts';
import { contentDisposition, contentTypeOf, extensionOf } from './content-type.ts';
import { parseRange } from './range.ts';
import type { ResolvedFile } from './resolve-file.ts';
import { wavLayoutOf } from './wav-header.ts';

/**
 * What is served for a file: its bytes, except that a WAV whose header sizes do not match what is on disk
 * (a file being recorded, or one a crash left open) is served with a header patched to the current length
 * (whole frames only), so a browser plays and seeks it up to its current end.
 */
interface Representation {
  size: number;
  /** Bytes to serve in place of the file's first prefix.length bytes. */
  prefix: Buffer | null;
}

const CACHE_MAX = 2048;
const HEAD_BYTES = 4096;

function representationFrom(head: Buffer, size: number): Representation {
  const info = wavLayoutOf(head);
  if (!info) return { size, prefix: null };
  const dataBytes = wavDataExtent(info, size).bytes;
  if (info.dataBytes === dataBytes && info.dataOffset + dataBytes === size) return { size, prefix: null };
  return { size: info.dataOffset + dataBytes, prefix: wavHeaderForSize(head, info, size) };
}

/** Ranges up to this size are read with one positional read and sent as a Buffer (what browsers seek with). */
const SMALL_BODY = 1024 * 1024;

const MAX_SLABS = 32;

async function smallBodyOf(
  f: ResolvedFile,
  rep: Representation,
  start: number,
  end: number,
  slab: Buffer,
  handles: HandleCache,
): Promise<Buffer> {
  const out = slab.subarray(0, end - start + 1);
  let pos = 0;
  if (rep.prefix && start < rep.prefix.length) {
    pos = rep.prefix.copy(out, 0, start, Math.min(end + 1, rep.prefix.length));
  }
  if (pos < out.length) {
    await handles.with(f.abs, f.stat.ino, async (fh) => {
      while (pos < out.length) {
        const { bytesRead } = await fh.read(out, pos, out.length - pos, start + pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
      }
    });
  }
  return pos === out.length ? out : out.subarray(0, pos);
}

/**
 * Bytes start..end read through the file's cached handle, never by its name again: the stat a request was
 * answered from may be up to 250 ms old (RealPaths), and a name can lead elsewhere by then.
 */
function handleStream(handles: HandleCache, f: ResolvedFile, start: number, end: number): Readable {
  const out = new PassThrough({ highWaterMark: STREAM_CHUNK });
  // Positional reads of the shared handle (a FileHandle's own createReadStream closes the handle when destroyed,
  // whatever autoClose says: an aborted download would close it under every other reader).
  void handles
    .with(f.abs, f.stat.ino, (fh) => pipeline(Readable.from(chunksOf(fh, start, end)), out))
    .catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

const STREAM_CHUNK = 256 * 1024;

async function* chunksOf(fh: FileHandle, start: number, end: number): AsyncGenerator<Buffer> {
  for (let pos = start; pos <= end;) {
    const buf = Buffer.allocUnsafe(Math.min(STREAM_CHUNK, end - pos + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

function bodyOf(f: ResolvedFile, rep: Representation, start: number, end: number, handles: HandleCache): Readable {
  const prefix = rep.prefix;
  if (!prefix || start >= prefix.length) return handleStream(handles, f, start, end);
  return Readable.from(
    (async function* () {
      yield prefix.subarray(start, Math.min(end + 1, prefix.length));
      if (end >= prefix.length) yield* handleStream(handles, f, prefix.length, end);
    })(),
  );
}

/**
 * Sends recordings with single-range support (206/416), ETag/Last-Modified, conditional GET and HEAD. Holds
 * what makes that fast: each WAV file's representation (one entry per file, remade when it grows), open file
 * handles, and reused 1 MiB slabs for range bodies (allocating a fresh large Buffer per request made the garbage collector the biggest cost of a
 * Range GET; a slab goes back to the pool once its read is done and its response is closed — fully written or aborted).
 */
export class FileServer {
  /** The WAV representation per file (dev:ino), for the version (size, mtime) it was made from. */
  private readonly reps = new Map<string, { version: string; rep: Representation }>();
  private readonly slabs: Buffer[] = [];
  readonly handles: HandleCache;

  constructor(handles = new HandleCache()) {
    this.handles = handles;
  }

  private async representationOf(f: ResolvedFile): Promise<Representation> {
    if (extensionOf(f.rel) !== 'wav') return { size: f.stat.size, prefix: null };
    const key = `${f.stat.dev}:${f.stat.ino}`;
    const version = `${f.stat.size}:${f.stat.mtimeMs}`;
    const hit = this.reps.get(key);
    if (hit?.version === version) return hit.rep;
    const head = await this.handles.with(f.abs, f.stat.ino, async (fh) => {
      const buf = Buffer.alloc(HEAD_BYTES);
      return buf.subarray(0, (await fh.read(buf, 0, HEAD_BYTES, 0)).bytesRead);
    });
    const rep = representationFrom(head, f.stat.size);
    if (!hit && this.reps.size >= CACHE_MAX) this.reps.delete(this.reps.keys().next().value!);
    this.reps.set(key, { version, rep });
    return rep;
  }

  async serve(
    req: FastifyRequest,
    reply: FastifyReply,
    f: ResolvedFile,
    disposition: 'inline' | 'attachment',
    onBytes: (n: number) => void,
  ): Promise<FastifyReply> {
    return serveFile(req, reply, f, disposition, await this.representationOf(f), this, onBytes);
  }

  takeSlab(): Buffer {
    return this.slabs.pop() ?? Buffer.allocUnsafeSlow(SMALL_BODY);
  }

  giveSlab(b: Buffer): void {
    if (this.slabs.length < MAX_SLABS) this.slabs.push(b);
  }

  evict(abs: string): void {
    this.handles.evict(abs);
  }

  close(): Promise<void> {
    return this.handles.close();
  }
}

export function etagOf(f: ResolvedFile, size: number): string {
  return `"${f.stat.ino.toString(36)}-${size.toString(36)}-${Math.floor(f.stat.mtimeMs).toString(36)}"`;
}

async function serveFile(
  req: FastifyRequest,
  reply: FastifyReply,
  f: ResolvedFile,
  disposition: 'inline' | 'attachment',
  rep: Representation,
  server: FileServer,
  onBytes: (n: number) => void,
): Promise<FastifyReply> {
  const etag = etagOf(f, rep.size);
  reply.header('accept-ranges', 'bytes');
  reply.header('etag', etag);
  reply.header('last-modified', f.stat.mtime.toUTCString());
  reply.header('cache-control', 'no-cache');
  reply.header('content-type', contentTypeOf(f.rel));
  reply.header('content-disposition', contentDisposition(disposition, f.rel));

  const inm = req.headers['if-none-match'];
  if (inm && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) return reply.code(304).send();

  let rangeHeader = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (rangeHeader && ifRange && ifRange !== etag && ifRange !== f.stat.mtime.toUTCString()) rangeHeader = undefined;
  const range = parseRange(rangeHeader, rep.size);
  if (range.kind === 'unsatisfiable') {
    reply.removeHeader('content-disposition');
    return reply
      .code(416)
      .header('content-range', `bytes */${rep.size}`)
      .header('content-type', 'text/plain; charset=utf-8')
      .send(`range not satisfiable: the file has ${rep.size} bytes\n`);
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, rep.size - 1];
  const length = end - start + 1;
  if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${rep.size}`);
  reply.header('content-length', String(Math.max(0, length)));
  if (req.method === 'HEAD' || length <= 0) return reply.send();
  onBytes(length);
  if (length > SMALL_BODY) return reply.send(bodyOf(f, rep, start, end, server.handles));
  // The slab goes back to the pool when both its read has finished and its response is closed (fully
  // written or aborted): a client that aborts while the read is still filling it must not let another
  // request take it meanwhile (that request would send this read's bytes).
  const slab = server.takeSlab();
  let holders = 2;
  const release = () => {
    if (--holders === 0) server.giveSlab(slab);
  };
  if (reply.raw.closed) holders--;
  else reply.raw.once('close', release);
  let body: Buffer;
  try {
    body = await smallBodyOf(f, rep, start, end, slab, server.handles);
  } finally {
    release();
  }
  return reply.send(body);
}
