import { stat } from 'node:fs/promises';
import CodecParser, { type CodecFrame } from 'codec-parser';
import { FLAC_STREAMINFO_END, oggPageLength, parseOggPage, wavDataExtent } from '@isr/audio';
import { readAt, readChunks, type ClipReadOptions } from './clip-read.ts';
import { OggPageSplitter, oggGranuleRate } from './ogg-clip.ts';
import { OGG_MAX_PAGE, validPageAt } from './ogg-seek.ts';
import { flacStreamInfoOf, wavLayoutAt } from './wav-header.ts';

const FRAMED: Record<string, 'audio/mpeg' | 'audio/aac' | 'audio/flac'> = {
  mp3: 'audio/mpeg',
  aac: 'audio/aac',
  flac: 'audio/flac',
};

interface Entry {
  size: number;
  mtimeMs: number;
  seconds: number | null;
}

/**
 * The real length of recordings whose duration no closed event told the web (older than the events retention,
 * recorded before a restart, MP3/AAC/Ogg files the scan cannot measure from a header): parsed once from the file
 * itself and kept by path, size and mtime (a file that grew or was rewritten is parsed again), at most
 * `maxEntries` of them, least recently used out first.
 */
export class DurationCache {
  private readonly entries = new Map<string, Entry>();

  readonly maxEntries: number;

  constructor(maxEntries = 10_000) {
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Seconds of audio in the file, or null when it cannot be told (not the container expected, no frames). */
  async durationOf(abs: string, container: string, o: ClipReadOptions = {}): Promise<number | null> {
    const st = await stat(abs);
    const hit = this.entries.get(abs);
    this.entries.delete(abs);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      this.entries.set(abs, hit);
      return hit.seconds;
    }
    const seconds = await parseDuration(abs, container, st.size, o);
    this.entries.set(abs, { size: st.size, mtimeMs: st.mtimeMs, seconds });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return seconds;
  }
}

export async function parseDuration(
  abs: string,
  container: string,
  size: number,
  o: ClipReadOptions,
): Promise<number | null> {
  if (container === 'ogg' || container === 'opus') return oggDuration(abs, size, o);
  if (container === 'wav') {
    const info = await wavLayoutAt((position, length) => readAt(abs, position, length, o), size);
    return info ? wavDataExtent(info, size).frames / info.sampleRate : null;
  }
  if (container === 'flac') {
    const si = flacStreamInfoOf(await readAt(abs, 0, FLAC_STREAMINFO_END, o));
    if (si && si.totalSamples > 0) return si.totalSamples / si.sampleRate;
  }
  const mime = FRAMED[container];
  return mime ? framedDuration(abs, mime, o) : null;
}

/**
 * An Ogg file's length from its last page's granule position, over the granule rate of its first page: two reads
 * (the head and the last 64 KiB), whatever the file's size. The last page is found by its capture pattern and
 * checked by its CRC; a file whose tail holds no such page (a crash's torn end) is walked page by page instead.
 */
async function oggDuration(abs: string, size: number, o: ClipReadOptions): Promise<number | null> {
  const head = await readAt(abs, 0, Math.min(size, 4096), o);
  let rate: number;
  try {
    const len = oggPageLength(head, 0);
    if (len === 0) return null;
    rate = oggGranuleRate(parseOggPage(head.subarray(0, len)));
  } catch {
    return null;
  }
  const tailStart = Math.max(0, size - OGG_MAX_PAGE);
  const tail = await readAt(abs, tailStart, size - tailStart, o);
  const granule = lastGranule(tail);
  if (granule !== null) return Number(granule) / rate;
  const split = new OggPageSplitter();
  let last: bigint | null = null;
  for await (const chunk of readChunks(abs, o)) {
    for (const p of split.push(chunk)) if (p.granule !== -1n) last = p.granule;
    if (split.broken) break;
  }
  return last === null ? null : Number(last) / rate;
}

/** The granule position of the last whole, CRC-valid page in `buf` that has one, or null. Pure. */
export function lastGranule(buf: Uint8Array): bigint | null {
  for (let p = buf.length - 27; p >= 0; p--) {
    const page = validPageAt(buf, p);
    if (page && page.granule !== -1n) return page.granule;
  }
  return null;
}

/** MP3/AAC/FLAC: the samples of every frame (codec-parser, streaming: memory stays at one chunk). */
async function framedDuration(
  abs: string,
  mime: 'audio/mpeg' | 'audio/aac' | 'audio/flac',
  o: ClipReadOptions,
): Promise<number | null> {
  const parser = new CodecParser<CodecFrame>(mime, { enableFrameCRC32: false, enableLogging: false });
  let samples = 0;
  let rate = 0;
  const count = (it: Iterator<CodecFrame>) => {
    for (let r = it.next(); !r.done; r = it.next()) {
      samples += r.value.samples;
      rate = r.value.header.sampleRate;
    }
  };
  for await (const chunk of readChunks(abs, o)) count(parser.parseChunk(chunk));
  count(parser.flush());
  return rate ? samples / rate : null;
}
