import { readFile } from 'node:fs/promises';
import { isOggHeaderPage, oggPageLength, rewriteOggPage, splitOggPages, type OggPage } from '@isr/audio';
import { webError } from './errors.ts';

/** An Ogg recording as the segmenter writes it: header pages, then audio pages with granules from 0 at its start. */
export interface OggFile {
  startMs: number;
  pages: OggPage[];
}

/** Granule rate of the stream from its first header page: 48 kHz for Opus, the sample rate for Vorbis. Pure. */
export function oggGranuleRate(first: OggPage): number {
  const body = first.bytes.subarray(27 + first.bytes[26]!);
  const text = Buffer.from(body.subarray(0, 8)).toString('latin1');
  if (text === 'OpusHead') return 48000;
  if (text.startsWith('\u0001vorbis')) return Buffer.from(body).readUInt32LE(12);
  throw webError('clipUnsupported', 'clips of this Ogg codec are not supported (Opus and Vorbis are)');
}

/**
 * The clip of [startMs, endMs) as one Ogg stream: the first file's header pages, then every audio page that
 * overlaps the span (page-accurate: a page's time runs from the previous page's granule to its own; a page
 * that continues a packet brings the page before it), renumbered, with the first file's serial, granules
 * counted from the clip's start, and fresh CRCs. Pure.
 */
export function oggClip(files: readonly OggFile[], startMs: number, endMs: number): Uint8Array[] {
  if (files.length === 0) return [];
  const first = files[0]!;
  const headers = first.pages.slice(0, countHeaders(first.pages));
  if (headers.length === 0) throw webError('clipUnsupported', 'the Ogg recording has no header pages');
  const rate = oggGranuleRate(headers[0]!);
  const serial = headers[0]!.serial;
  const out: Uint8Array[] = headers.map((p) => p.bytes);
  let sequence = headers.length;
  let granule = 0n;
  for (const f of files) {
    const audio = f.pages.slice(countHeaders(f.pages));
    const picked = new Set<number>();
    let prevEnd = 0n;
    audio.forEach((p, i) => {
      const end = p.granule === -1n ? prevEnd : p.granule;
      const t0 = f.startMs + (Number(prevEnd) * 1000) / rate;
      const t1 = f.startMs + (Number(end) * 1000) / rate;
      if (t1 > startMs && t0 < endMs) picked.add(i);
      prevEnd = end;
    });
    // A picked page that continues a packet needs the page that starts it.
    for (const i of [...picked].sort((a, b) => a - b)) {
      for (let j = i; j > 0 && (audio[j]!.headerType & 0x01) !== 0 && !picked.has(j - 1); j--) picked.add(j - 1);
    }
    prevEnd = 0n;
    audio.forEach((p, i) => {
      const end = p.granule === -1n ? prevEnd : p.granule;
      if (picked.has(i)) {
        granule += end - prevEnd;
        const copy = new Uint8Array(p.bytes);
        new DataView(copy.buffer).setUint32(14, serial, true);
        copy[5] = copy[5]! & ~0x06; // neither BOS nor EOS inside the clip
        out.push(rewriteOggPage(copy, sequence++, p.granule === -1n ? -1n : granule));
      }
      prevEnd = end;
    });
  }
  // End of stream on the last page.
  const last = out[out.length - 1]!;
  if (out.length > headers.length) {
    const copy = new Uint8Array(last);
    copy[5] = copy[5]! | 0x04;
    const v = new DataView(copy.buffer);
    out[out.length - 1] = rewriteOggPage(copy, v.getUint32(18, true), v.getBigInt64(6, true));
  }
  return out;
}

function countHeaders(pages: readonly OggPage[]): number {
  let n = 0;
  while (n < pages.length && (n === 0 || isOggHeaderPage(pages[n]!))) n++;
  return n;
}

export async function readOggFile(abs: string, startMs: number): Promise<OggFile> {
  const buf = await readFile(abs);
  // Whole pages only: a file being written may end in a partial page.
  let pos = 0;
  while (pos < buf.length) {
    let len: number;
    try {
      len = oggPageLength(buf, pos);
    } catch {
      len = 0;
    }
    if (len === 0) break;
    pos += len;
  }
  if (pos === 0) throw webError('clipUnsupported', 'the recording is not an Ogg stream');
  return { startMs, pages: splitOggPages(buf.subarray(0, pos)) };
}
