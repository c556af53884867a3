import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import CodecParser, { type CodecFrame } from 'codec-parser';
import { FlacHeaderError, oggPageLength, parseOggPage, readFlacMetadata } from '@isr/audio';
import { timeOfFrame } from '@isr/contract';
import { selectClipFiles, type ClipContext, type ClipFile } from './clip-files.ts';
import { readAt, readChunks, type ClipReadOptions } from './clip-read.ts';
import { webError } from './errors.ts';
import { FLAC_HEAD_BYTES, flacStartFor } from './flac-seek.ts';
import { OggClipWriter, OggPageSplitter, oggGranuleRate } from './ogg-clip.ts';
import { oggStartFor } from './ogg-seek.ts';

/** Containers cut at codec frame boundaries (each frame decodes alone; FLAC gets its metadata blocks prepended). */
const MIME: Record<string, 'audio/mpeg' | 'audio/aac' | 'audio/flac'> = {
  mp3: 'audio/mpeg',
  aac: 'audio/aac',
  flac: 'audio/flac',
};

export function isFrameCuttable(container: string): boolean {
  return container in MIME || container === 'ogg' || container === 'opus';
}

/**
 * `fLaC` plus the file's metadata blocks, with STREAMINFO's min/max frame sizes, total samples and MD5 set to
 * "unknown" (0), as the FLAC format allows, since the clip's frames differ from the file's. Pure.
 */
export function flacHeaderForClip(head: Uint8Array): Buffer {
  let step;
  try {
    step = readFlacMetadata(head);
  } catch (err) {
    if (err instanceof FlacHeaderError)
      throw webError('clipUnsupported', `the FLAC recording's header cannot be read: ${err.message}`, err);
    throw err;
  }
  if (step.kind === 'need') throw webError('clipUnsupported', 'the FLAC metadata blocks are longer than expected');
  const out = Buffer.from(head.subarray(0, step.metadata.audioOffset));
  // STREAMINFO is the first block: bytes 8.. of the file. Min/max frame size (24 bits each) at 12..17,
  // total samples: low 4 bits of byte 21 and bytes 22..25; MD5 at 26..41.
  out.fill(0, 12, 18);
  out[21] = out[21]! & 0xf0;
  out.fill(0, 22, 42);
  return out;
}

export interface CodedClip {
  contentType: string;
  /** The recordings the clip is cut from (X-Isr-Clip-Files), oldest first. */
  files: string[];
  /** The clip, read as it is sent: pages or frames are cut from one chunk of one file at a time. */
  body(): Readable;
}

/**
 * A frame-accurate clip of a compressed source in its own codec, over the files that hold audio of [startMs,
 * endMs) (selectClipFiles: by the names' start times and real durations, never every file of unknown length).
 * MP3, AAC/ADTS, FLAC: the codec frames (parsed with codec-parser, streaming) that overlap the span, across
 * files, with FLAC's metadata blocks in front; frame times are the file's start plus the samples of the frames
 * before, and a frame that starts at or after the next file's start is left to that file. Ogg: OggClipWriter.
 * Reading stops at the clip's end, and when `ctx.signal` aborts (the client went away).
 */
export async function codedClip(
  ctx: ClipContext,
  source: string,
  container: string,
  startMs: number,
  endMs: number,
): Promise<CodedClip> {
  const ogg = container === 'ogg' || container === 'opus';
  const mime = MIME[container];
  if (!ogg && !mime) throw webError('clipUnsupported', `clips of ${container} recordings are not supported`);
  const files = await selectClipFiles(ctx, source, container, startMs, endMs, !ogg);
  if (files.length === 0) throw webError('clipEmpty', `no ${container} recording of ${source} covers that time`);
  const paths = files.map((f) => f.rec.path);
  if (ogg) {
    // The first file must open an Ogg stream of a codec that can be cut before the answer starts.
    const head = await readAt(files[0]!.abs, 0, 4096, ctx);
    let len: number;
    try {
      len = oggPageLength(head, 0);
    } catch {
      len = 0;
    }
    if (len === 0) throw webError('clipUnsupported', 'the recording is not an Ogg stream');
    oggGranuleRate(parseOggPage(head.subarray(0, len)));
    return { contentType: 'audio/ogg', files: paths, body: () => Readable.from(oggPages(files, startMs, endMs, ctx)) };
  }
  const head = container === 'flac' ? await readAt(files[0]!.abs, 0, FLAC_HEAD_BYTES, ctx) : null;
  const prefix = head && flacHeaderForClip(head);
  // The first file, the one that starts before the clip, is read from a FLAC frame near the clip's start, found by
  // bisection (MP3 and AAC frames carry no position: read from the start).
  const seek = head && (await flacStartFor(files[0]!.abs, head, files[0]!.rec.startMs, startMs, ctx));
  async function* frames(): AsyncGenerator<Uint8Array> {
    if (prefix) yield prefix;
    for (const [i, { rec, abs, nextStartMs }] of files.entries()) {
      // A frame belongs to the file it starts in: stop before the next file's first frame (no audio twice).
      const until = Math.min(endMs, nextStartMs);
      const parser = new CodecParser<CodecFrame>(mime!, { enableFrameCRC32: false, enableLogging: false });
      const from = i === 0 ? seek : null;
      let samples = from?.sample ?? 0;
      let past = false;
      const pick = (it: Iterator<CodecFrame>): Uint8Array[] => {
        const out: Uint8Array[] = [];
        for (let r = it.next(); !r.done; r = it.next()) {
          const f = r.value;
          const t = timeOfFrame(samples, rec.startMs, f.header.sampleRate);
          samples += f.samples;
          const tEnd = timeOfFrame(samples, rec.startMs, f.header.sampleRate);
          if (t >= until) {
            past = true;
            break;
          }
          if (tEnd > startMs) out.push(f.data);
        }
        return out;
      };
      for await (const chunk of readChunks(abs, ctx, from?.offset ?? 0)) {
        const out = pick(parser.parseChunk(chunk));
        if (out.length) yield Buffer.concat(out);
        if (past) break;
      }
      if (!past) {
        const out = pick(parser.flush());
        if (out.length) yield Buffer.concat(out);
      }
    }
  }
  return { contentType: mime!, files: paths, body: () => Readable.from(frames()) };
}

/** The Ogg clip's pages, file after file, chunk by chunk. */
async function* oggPages(
  files: readonly ClipFile[],
  startMs: number,
  endMs: number,
  o: ClipReadOptions,
): AsyncGenerator<Uint8Array> {
  const writer = new OggClipWriter(startMs, endMs);
  for (const f of files) {
    writer.beginFile(f.rec.startMs);
    // A file that starts before the clip is read from a page near the clip's start, found by bisection.
    const seek = await oggStartFor(f.abs, (await stat(f.abs)).size, f.rec.startMs, startMs, o);
    const head: Uint8Array[] = [];
    if (seek) {
      for (const p of seek.headers) head.push(...writer.page(p).out);
      writer.skipTo(seek.prevEnd);
    }
    if (head.length) yield Buffer.concat(head);
    const split = new OggPageSplitter();
    let past = false;
    for await (const chunk of readChunks(f.abs, o, seek?.offset ?? 0)) {
      const out: Uint8Array[] = [];
      for (const p of split.push(chunk)) {
        const r = writer.page(p);
        out.push(...r.out);
        if (r.past) {
          past = true;
          break;
        }
      }
      if (out.length) yield Buffer.concat(out);
      if (past || split.broken) break;
    }
    if (past) break;
  }
  yield* writer.finish();
}
