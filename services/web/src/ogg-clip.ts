import { isOggHeaderPage, oggPageLength, parseOggPage, rewriteOggPage, type OggPage } from '@isr/audio';
import { timeOfFrame } from '@isr/contract';
import { webError } from './errors.ts';

/** Granule rate of the stream from its first header page: 48 kHz for Opus, the sample rate for Vorbis. Pure. */
export function oggGranuleRate(first: OggPage): number {
  const body = first.bytes.subarray(27 + first.bytes[26]!);
  const text = Buffer.from(body.subarray(0, 8)).toString('latin1');
  if (text === 'OpusHead') return 48000;
  if (text.startsWith('\u0001vorbis')) return Buffer.from(body).readUInt32LE(12);
  throw webError('clipUnsupported', 'clips of this Ogg codec are not supported (Opus and Vorbis are)');
}

/**
 * Whole Ogg pages out of chunks of any size: push a chunk, get the pages it completes. Pure. A chunk that does not
 * continue with a capture pattern ends the stream (`broken`): what follows is not read as pages; a trailing partial
 * page (a file being written) is simply never completed.
 */
export class OggPageSplitter {
  private rest: Uint8Array = new Uint8Array(0);
  broken = false;

  *push(chunk: Uint8Array): Generator<OggPage> {
    if (this.broken) return;
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let pos = 0;
    for (;;) {
      let len: number;
      try {
        len = oggPageLength(buf, pos);
      } catch {
        this.broken = true;
        break;
      }
      if (len === 0) break;
      yield parseOggPage(buf.subarray(pos, pos + len));
      pos += len;
    }
    buf = this.broken ? new Uint8Array(0) : buf.subarray(pos);
    // Keep the unfinished page as a copy: the chunk it came in is not held on to.
    this.rest = new Uint8Array(buf);
  }
}

interface Pending {
  page: OggPage;
  /** Granule advance over the page before it. */
  advance: bigint;
}

/**
 * The clip of [startMs, endMs) as one Ogg stream, built page by page as files are read (nothing is held but the
 * pages of one continued packet and the last page out). Pure. The first file's header pages, then every audio
 * page that overlaps the span (page-accurate: a page's time runs from the previous page's granule to its own,
 * from the file's start; a page that continues a packet brings the pages it continues), renumbered, with the
 * first file's serial, granules counted from the clip's start, fresh CRCs and EOS on the last page.
 *
 * Per file: `beginFile(startMs)`, then `page(p)` for its pages in order until it answers `past` (the page starts
 * at or after the clip's end: the rest of this file and the later files are not needed); `finish()` at the end.
 */
export class OggClipWriter {
  private rate = 0;
  private serial = 0;
  private sequence = 0;
  private granule = 0n;
  private held: Uint8Array | null = null;
  private fileStartMs = 0;
  private pageInFile = 0;
  private inHeaders = true;
  private prevEnd = 0n;
  private backlog: Pending[] = [];
  /** This file's header pages open the clip (the first file's); later files' are left out. */
  private givesHeaders = false;

  private readonly startMs: number;
  private readonly endMs: number;

  constructor(startMs: number, endMs: number) {
    this.startMs = startMs;
    this.endMs = endMs;
  }

  /** True once the first file's header pages are out. */
  get started(): boolean {
    return this.rate !== 0;
  }

  beginFile(startMs: number): void {
    this.fileStartMs = startMs;
    this.pageInFile = 0;
    this.inHeaders = true;
    this.prevEnd = 0n;
    this.backlog = [];
    this.givesHeaders = !this.started;
  }

  /**
   * Goes on further into the file (after a seek, its header pages given): the next page starts a packet, and the
   * pages before it reached granule `prevEnd`.
   */
  skipTo(prevEnd: bigint): void {
    this.inHeaders = false;
    this.prevEnd = prevEnd;
    this.backlog = [];
  }

  /** The output pages this input page releases; `past` when the file has nothing more for the clip. */
  page(p: OggPage): { out: Uint8Array[]; past: boolean } {
    const out: Uint8Array[] = [];
    const first = this.pageInFile++ === 0;
    if (this.inHeaders && (first || isOggHeaderPage(p))) {
      // Only the first file's header pages open the clip; the clip's sequence numbers carry on from them.
      if (this.givesHeaders) {
        if (first) {
          this.rate = oggGranuleRate(p);
          this.serial = p.serial;
        }
        out.push(p.bytes);
        this.sequence++;
      }
      return { out, past: false };
    }
    if (!this.started) throw webError('clipUnsupported', 'the Ogg recording has no header pages');
    this.inHeaders = false;
    const end = p.granule === -1n ? this.prevEnd : p.granule;
    const advance = end - this.prevEnd;
    const t0 = timeOfFrame(Number(this.prevEnd), this.fileStartMs, this.rate);
    const t1 = timeOfFrame(Number(end), this.fileStartMs, this.rate);
    this.prevEnd = end;
    if (t0 >= this.endMs) return { out, past: true };
    const continued = (p.headerType & 0x01) !== 0;
    if (t1 > this.startMs) {
      if (continued) for (const b of this.backlog) this.emit(b, out);
      this.backlog = [];
      this.emit({ page: p, advance }, out);
    } else if (continued) {
      this.backlog.push({ page: p, advance });
    } else {
      this.backlog = [{ page: p, advance }];
    }
    return { out, past: false };
  }

  /** The last page, marked end of stream (nothing when no audio page was picked). */
  finish(): Uint8Array[] {
    if (!this.held) return [];
    const copy = new Uint8Array(this.held);
    copy[5] = copy[5]! | 0x04;
    const v = new DataView(copy.buffer);
    this.held = null;
    return [rewriteOggPage(copy, v.getUint32(18, true), v.getBigInt64(6, true))];
  }

  private emit({ page, advance }: Pending, out: Uint8Array[]): void {
    this.granule += advance;
    const copy = new Uint8Array(page.bytes);
    new DataView(copy.buffer).setUint32(14, this.serial, true);
    copy[5] = copy[5]! & ~0x06; // neither BOS nor EOS inside the clip
    if (this.held) out.push(this.held);
    this.held = rewriteOggPage(copy, this.sequence++, page.granule === -1n ? -1n : this.granule);
  }
}
