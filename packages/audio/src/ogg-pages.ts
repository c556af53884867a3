import { OggPageError } from './errors.ts';

/**
 * Ogg page parsing and rewriting (RFC 3533), pure. The segmenter cuts a live Ogg stream into files; each file
 * starts with the stream's header pages and continues with audio pages renumbered from there, granule
 * positions rebased so the file starts at 0, and CRCs recomputed — so every file is a clean stream whose
 * duration players read correctly.
 */

export interface OggPage {
  /** The whole page (header + body), a view into the input. */
  bytes: Uint8Array;
  headerType: number;
  /** Granule position; -1n when no packet ends on this page. */
  granule: bigint;
  serial: number;
  sequence: number;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x8000_0000 ? (r << 1) ^ 0x04c1_1db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg's CRC-32 (poly 0x04c11db7, init 0, not reflected) over a page whose CRC field is zero. */
export function oggCrc(page: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < page.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ page[i]!) & 0xff]!) >>> 0;
  return crc >>> 0;
}

/** Length of the page starting at `offset`, or 0 when the buffer does not hold it all yet. Throws on a bad capture pattern. */
export function oggPageLength(buf: Uint8Array, offset = 0): number {
  if (buf.length - offset < 27) return 0;
  if (buf[offset] !== 0x4f || buf[offset + 1] !== 0x67 || buf[offset + 2] !== 0x67 || buf[offset + 3] !== 0x53) {
    throw new OggPageError(`no OggS capture pattern at byte ${offset}`);
  }
  const nsegs = buf[offset + 26]!;
  if (buf.length - offset < 27 + nsegs) return 0;
  let body = 0;
  for (let i = 0; i < nsegs; i++) body += buf[offset + 27 + i]!;
  const len = 27 + nsegs + body;
  return buf.length - offset < len ? 0 : len;
}

export function parseOggPage(bytes: Uint8Array): OggPage {
  const len = oggPageLength(bytes);
  if (len === 0 || len !== bytes.length)
    throw new OggPageError(`incomplete or oversized Ogg page (${bytes.length} bytes)`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    bytes,
    headerType: bytes[5]!,
    granule: v.getBigInt64(6, true),
    serial: v.getUint32(14, true),
    sequence: v.getUint32(18, true),
  };
}

/** Splits a buffer of whole pages. Throws OggPageError when it does not consist of whole pages. */
export function splitOggPages(buf: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const len = oggPageLength(buf, pos);
    if (len === 0) throw new OggPageError(`truncated Ogg page at byte ${pos}`);
    pages.push(parseOggPage(buf.subarray(pos, pos + len)));
    pos += len;
  }
  return pages;
}

/** A copy of the page with a new sequence number and granule position and a fresh CRC. */
export function rewriteOggPage(page: Uint8Array, sequence: number, granule: bigint): Uint8Array {
  const out = new Uint8Array(page);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setBigInt64(6, granule, true);
  v.setUint32(18, sequence >>> 0, true);
  v.setUint32(22, 0, true);
  v.setUint32(22, oggCrc(out), true);
  return out;
}

export interface OggRewriteState {
  /** Sequence number the next audio page gets. */
  nextSequence: number;
  /** Subtracted from every granule position (as a decimal string in journals; bigint here). */
  granuleBase: bigint;
}

/**
 * Starts a file: `initPages` (the stream's header pages, sequence 0…k-1) and a rewrite state whose base is
 * chosen so that the first audio page — ending at `firstGranule` after `firstPageSamples` samples — starts at 0.
 */
export function startOggFile(initPages: Uint8Array, firstGranule: bigint, firstPageSamples: number): OggRewriteState {
  const count = initPages.length ? splitOggPages(initPages).length : 0;
  return { nextSequence: count, granuleBase: firstGranule - BigInt(firstPageSamples) };
}

/** Rewrites one audio page (its bytes, or the page already parsed) for the file described by `state` (mutated: next sequence number). */
export function rewriteAudioPage(page: Uint8Array | OggPage, state: OggRewriteState): Uint8Array {
  const p = page instanceof Uint8Array ? parseOggPage(page) : page;
  const granule = p.granule === -1n ? -1n : p.granule - state.granuleBase;
  const out = rewriteOggPage(p.bytes, state.nextSequence, granule < 0n && p.granule !== -1n ? 0n : granule);
  state.nextSequence++;
  return out;
}

/** True for pages that carry stream headers rather than audio (BOS, or granule 0 before any audio). */
export function isOggHeaderPage(page: OggPage): boolean {
  return (page.headerType & 0x02) !== 0 || page.granule === 0n;
}
