import { isOggHeaderPage, oggCrc, oggPageLength, parseOggPage, type OggPage } from '@isr/audio';
import { readAt, type ClipReadOptions } from './clip-read.ts';
import { oggGranuleRate } from './ogg-clip.ts';

/** The longest Ogg page: 27 header bytes, 255 lacing values, 255 segments of 255 bytes. */
export const OGG_MAX_PAGE = 27 + 255 + 255 * 255;

/** Where reading a file can start, past its header pages: a page boundary and the granule the pages before it reached. */
export interface OggStart {
  offset: number;
  /** Granule position at the end of the page before `offset` (what OggClipWriter counts from). */
  prevEnd: bigint;
}

/** A CRC-valid whole page at `pos` of `buf`, or null. Pure. */
export function validPageAt(buf: Uint8Array, pos: number): OggPage | null {
  if (buf[pos] !== 0x4f || buf[pos + 1] !== 0x67 || buf[pos + 2] !== 0x67 || buf[pos + 3] !== 0x53) return null;
  const len = oggPageLength(buf, pos);
  if (len === 0) return null;
  const copy = new Uint8Array(buf.subarray(pos, pos + len));
  const v = new DataView(copy.buffer);
  const crc = v.getUint32(22, true);
  v.setUint32(22, 0, true);
  if (oggCrc(copy) !== crc) return null;
  return parseOggPage(buf.subarray(pos, pos + len));
}

/**
 * The first place in `buf` (read from anywhere in a file) where reading can start: the first CRC-valid page, then
 * the first page after it that does not continue a packet (so no page it would need lies before it), once a granule
 * position has been seen (so the time there is known). Pure.
 */
export function safeStartIn(buf: Uint8Array): { pos: number; prevEnd: bigint } | null {
  let pos = 0;
  for (; pos + 27 <= buf.length; pos++) if (validPageAt(buf, pos)) break;
  let known: bigint | null = null;
  while (pos + 27 <= buf.length) {
    const page = validPageAt(buf, pos);
    if (!page) return null;
    if (known !== null && (page.headerType & 0x01) === 0) return { pos, prevEnd: known };
    if (page.granule !== -1n) known = page.granule;
    pos += page.bytes.length;
  }
  return null;
}

/** The file's header pages (its first page and the header pages after it) and where its audio starts, from its head; null when they do not fit in it. */
export function headerPagesIn(head: Uint8Array): { pages: OggPage[]; end: number } | null {
  const pages: OggPage[] = [];
  let pos = 0;
  while (pos < head.length) {
    let len: number;
    try {
      len = oggPageLength(head, pos);
    } catch {
      return null;
    }
    if (len === 0) return null;
    const page = parseOggPage(head.subarray(pos, pos + len));
    if (pages.length > 0 && !isOggHeaderPage(page)) return { pages, end: pos };
    pages.push(page);
    pos += len;
  }
  return null;
}

/**
 * Where to start reading an Ogg file for audio from granule `target` on, by bisection over the file's bytes (as
 * players seek): a few reads of two maximal pages each instead of every page before it. Returns the latest start
 * found whose `prevEnd` is at most `target` (the file's first audio page, `from`, at worst). Granules rise through
 * a file (the segmenter counts them from 0 at its start).
 */
export async function oggSeek(
  abs: string,
  size: number,
  from: number,
  target: bigint,
  o: ClipReadOptions,
): Promise<OggStart> {
  let best: OggStart = { offset: from, prevEnd: 0n };
  let lo = from;
  let hi = size;
  const window = 2 * OGG_MAX_PAGE;
  while (hi - lo > window) {
    const mid = Math.floor((lo + hi) / 2);
    const found = safeStartIn(await readAt(abs, mid, window, o));
    const at = found ? mid + found.pos : Infinity;
    if (!found || at >= hi) {
      hi = mid;
    } else if (found.prevEnd <= target) {
      if (at > best.offset) best = { offset: at, prevEnd: found.prevEnd };
      lo = at;
    } else {
      hi = mid;
    }
  }
  return best;
}

/** Files smaller than this are read from their start: a seek would read about as much. */
const SEEK_MIN_BYTES = 4 * OGG_MAX_PAGE;

/**
 * For a file that starts `startMs - fileStartMs` before the clip: its header pages and where to read on from (null:
 * read it from its start — small, or its head is not plain Ogg headers).
 */
export async function oggStartFor(
  abs: string,
  size: number,
  fileStartMs: number,
  startMs: number,
  o: ClipReadOptions,
): Promise<(OggStart & { headers: OggPage[] }) | null> {
  if (size < SEEK_MIN_BYTES || startMs <= fileStartMs) return null;
  const head = headerPagesIn(await readAt(abs, 0, 2 * OGG_MAX_PAGE, o));
  if (!head) return null;
  let rate: number;
  try {
    rate = oggGranuleRate(head.pages[0]!);
  } catch {
    return null;
  }
  const target = BigInt(Math.floor(((startMs - fileStartMs) * rate) / 1000));
  return { headers: head.pages, ...(await oggSeek(abs, size, head.end, target, o)) };
}
