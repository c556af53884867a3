import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import CodecParser, { type CodecFrame } from 'codec-parser';
import { webError } from './errors.ts';
import type { FileIndex, Recording } from './file-index.ts';
import { resolveInRoot } from './resolve-file.ts';
import { readHead } from './scan.ts';
import { oggClip, readOggFile } from './ogg-clip.ts';

/** Containers cut at codec frame boundaries (each frame decodes alone; FLAC gets its metadata blocks prepended). */
const MIME: Record<string, 'audio/mpeg' | 'audio/aac' | 'audio/flac'> = { mp3: 'audio/mpeg', aac: 'audio/aac', flac: 'audio/flac' };

export function isFrameCuttable(container: string): boolean {
  return container in MIME || container === 'ogg' || container === 'opus';
}

/**
 * `fLaC` plus the file's metadata blocks, with STREAMINFO's min/max frame sizes, total samples and MD5 set to
 * "unknown" (0), as the FLAC format allows, since the clip's frames differ from the file's. Pure.
 */
export function flacHeaderForClip(head: Uint8Array): Buffer {
  const b = Buffer.from(head);
  if (b.toString('latin1', 0, 4) !== 'fLaC') throw webError('clipUnsupported', 'the FLAC recording has no fLaC header');
  let pos = 4;
  for (;;) {
    if (pos + 4 > b.length) throw webError('clipUnsupported', 'the FLAC metadata blocks are longer than expected');
    const last = (b[pos]! & 0x80) !== 0;
    const len = b.readUIntBE(pos + 1, 3);
    pos += 4 + len;
    if (last) break;
  }
  const out = Buffer.from(b.subarray(0, pos));
  // STREAMINFO is the first block: bytes 8.. of the file. Min/max frame size (24 bits each) at 12..17,
  // total samples: low 4 bits of byte 21 and bytes 22..25; MD5 at 26..41.
  out.fill(0, 12, 18);
  out[21] = out[21]! & 0xf0;
  out.fill(0, 22, 42);
  return out;
}

/**
 * A frame-accurate clip of a compressed source (MP3, AAC/ADTS, FLAC) in its own codec: the codec frames
 * (parsed with codec-parser, streaming) that overlap [startMs, endMs), across files, with FLAC's
 * metadata blocks in front. Frame times are the file's start plus the samples of the frames before; a
 * frame that starts at or after the next file's start is left to that file.
 */
export async function codedClip(root: string, index: FileIndex, source: string, container: string, startMs: number, endMs: number): Promise<{ contentType: string; body: Readable; files: string[] }> {
  const recs = index.ofSource(source).filter((r: Recording) => r.container === container && r.startMs < endMs && (r.durationSeconds === null || r.startMs + r.durationSeconds * 1000 > startMs));
  if (recs.length === 0) throw webError('clipEmpty', `no ${container} recording of ${source} covers that time`);
  const files = await Promise.all(recs.map(async (r) => ({ rec: r, abs: (await resolveInRoot(root, r.path)).abs })));
  if (container === 'ogg' || container === 'opus') {
    const pages = oggClip(await Promise.all(files.map((f) => readOggFile(f.abs, f.rec.startMs))), startMs, endMs);
    return { contentType: 'audio/ogg', body: Readable.from(pages.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))), files: recs.map((r) => r.path) };
  }
  const mime = MIME[container];
  if (!mime) throw webError('clipUnsupported', `clips of ${container} recordings are not supported`);
  const prefix = container === 'flac' ? flacHeaderForClip(await readHead(files[0]!.abs, 65536)) : null;
  async function* frames(): AsyncGenerator<Uint8Array> {
    if (prefix) yield prefix;
    for (const [i, { rec, abs }] of files.entries()) {
      // A frame belongs to the file it starts in: stop before the next file's first frame (no audio twice).
      const until = Math.min(endMs, files[i + 1]?.rec.startMs ?? Infinity);
      const parser = new CodecParser<CodecFrame>(mime!, { enableFrameCRC32: false });
      let samples = 0;
      const pick = function* (it: Iterator<CodecFrame>): Generator<Uint8Array> {
        for (let r = it.next(); !r.done; r = it.next()) {
          const f = r.value;
          const t = rec.startMs + (samples * 1000) / f.header.sampleRate;
          samples += f.samples;
          const tEnd = rec.startMs + (samples * 1000) / f.header.sampleRate;
          if (tEnd > startMs && t < until) yield f.data;
        }
      };
      for await (const chunk of createReadStream(abs, { highWaterMark: 256 * 1024 })) yield* pick(parser.parseChunk(chunk as Buffer));
      yield* pick(parser.flush());
    }
  }
  return { contentType: mime, body: Readable.from(frames()), files: recs.map((r) => r.path) };
}
