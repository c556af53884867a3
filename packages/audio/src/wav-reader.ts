import { AudioErrorCodes, WavHeaderError } from './errors.ts';
import type { BextInfo } from './wav-header.ts';

/**
 * The one WAV reader: where the audio of a RIFF/WAVE or RF64 file is and what it is, found by walking the chunks
 * in whatever order they come (fmt, bext, LIST, ds64, data …) by their headers, reading only the bodies it needs
 * (`fmt `, `ds64`, `bext`). Incremental and pure: push the file's bytes whole or in pieces (or answer its `need`
 * with bytes read at that offset) and get the layout, or "need more", or a WavHeaderError for what is not a WAV,
 * is cut short or is broken. Specs: Microsoft RIFF/WAVE
 * (https://www.mmsp.ece.mcgill.ca/Documents/AudioFormats/WAVE/WAVE.html), EBU Tech 3306 (RF64, `ds64`),
 * EBU Tech 3285 (BWF, `bext`).
 */
export type SampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';

export const bytesPerSample = (f: SampleFormat): number => ({ u8: 1, s16: 2, s24: 3, s32: 4, f32: 4, f64: 8 })[f];

/** The 64-bit sizes of an RF64 file's `ds64` chunk; `offset` is the file offset of its body. */
export interface Ds64Sizes {
  offset: number;
  riffBytes: number;
  dataBytes: number;
  sampleCount: number;
}

export interface WavLayout {
  container: 'RIFF' | 'RF64';
  /** 1 = PCM, 3 = IEEE float, …; WAVE_FORMAT_EXTENSIBLE is resolved to its sub-format's tag. */
  formatTag: number;
  /** The sample encoding, or null when it is not PCM 8/16/24/32-bit or float 32/64-bit. */
  sampleFormat: SampleFormat | null;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  /** File offset of the first audio byte (just after the `data` chunk header). */
  dataOffset: number;
  /** The data size the header declares (RF64: from `ds64`); may be stale, 0 or 0xFFFFFFFF in a file being written. */
  dataBytes: number;
  /** The RIFF size the header declares (RF64: from `ds64`). */
  riffBytes: number;
  ds64: Ds64Sizes | null;
  /** The Broadcast Wave `bext` chunk, when the header has one before the layout was known. */
  bext: BextInfo | null;
  /** Chunk ids in file order up to where the layout was known, e.g. ['bext', 'fmt ', 'data']. */
  chunks: string[];
}

/** What the reader needs next: `bytes` bytes at file offset `offset`. */
export interface WavNeed {
  offset: number;
  bytes: number;
}

export type WavStep = { kind: 'layout'; layout: WavLayout } | ({ kind: 'need' } & WavNeed);

interface Fmt {
  formatTag: number;
  sampleFormat: SampleFormat | null;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  blockAlign: number;
}

const U32_UNKNOWN = 0xffff_ffff;
/** Bytes read of the bodies the reader looks into (the rest of a longer body is skipped). */
const BODY_BYTES: Record<string, number> = { 'fmt ': 40, ds64: 28, bext: 602 };
const EMPTY = new Uint8Array(0);

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const latin1 = (b: Uint8Array, at: number, n: number) =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', at, at + n);
const isChunkId = (b: Uint8Array) => b.subarray(0, 4).every((c) => c >= 0x20 && c <= 0x7e);
const text = (b: Uint8Array, at: number, n: number) => latin1(b, at, n).replace(/\0+$/, '');

const invalid = (message: string) => new WavHeaderError(AudioErrorCodes.wavInvalid, message);

function parseFmt(b: Uint8Array, size: number): Fmt {
  if (size < 16) throw invalid(`fmt chunk is ${size} bytes, needs at least 16`);
  const dv = view(b);
  let formatTag = dv.getUint16(0, true);
  const channels = dv.getUint16(2, true);
  const sampleRate = dv.getUint32(4, true);
  let blockAlign = dv.getUint16(12, true);
  const bitsPerSample = dv.getUint16(14, true);
  if (formatTag === 0xfffe && b.length >= 26) formatTag = dv.getUint16(24, true); // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag
  if (channels < 1 || sampleRate < 1) throw invalid(`fmt chunk says ${channels} channels at ${sampleRate} Hz`);
  const sampleFormat =
    formatTag === 1
      ? (({ 8: 'u8', 16: 's16', 24: 's24', 32: 's32' } as const)[bitsPerSample as 8] ?? null)
      : formatTag === 3
        ? (({ 32: 'f32', 64: 'f64' } as const)[bitsPerSample as 32] ?? null)
        : null;
  if (sampleFormat) blockAlign = channels * bytesPerSample(sampleFormat); // the one a decoder steps by, whatever the field says
  if (blockAlign < 1) throw invalid(`fmt chunk says ${blockAlign} bytes per frame`);
  return { formatTag, sampleFormat, sampleRate, channels, bitsPerSample, blockAlign };
}

function parseBext(b: Uint8Array): BextInfo {
  const dv = view(b);
  return {
    description: text(b, 0, 256),
    originator: text(b, 256, 32),
    originatorReference: text(b, 288, 32),
    originationDate: text(b, 320, 10),
    originationTime: text(b, 330, 8),
    timeReference: dv.getUint32(338, true) + dv.getUint32(342, true) * 2 ** 32,
  };
}

function parseDs64(b: Uint8Array, offset: number): Ds64Sizes {
  const dv = view(b);
  const u64 = (at: number) => Number(dv.getBigUint64(at, true));
  return { offset, riffBytes: u64(0), dataBytes: u64(8), sampleCount: u64(16) };
}

type Want = { at: 'riff' } | { at: 'chunk' } | { at: 'body'; id: string; size: number; body: number };

/**
 * Push the bytes of a file in order (`push(bytes)`), or answer `need` with the bytes read at that offset
 * (`push(bytes, offset)`): bytes the reader does not need (the bodies of chunks it skips) may be left out.
 * `end()` says the file ends there and throws unless the layout is known.
 */
export class WavHeaderReader {
  /** The bytes held, from file offset #winAt: #win (always the reader's own), then #more (joined only when the reader looks at them). */
  #win: Uint8Array = EMPTY;
  #more: Uint8Array[] = [];
  #moreLen = 0;
  /** #more[0 … #owned) are the reader's own copies; the rest still belong to the caller. */
  #owned = 0;
  #winAt = 0;
  #pos = 0;
  #want: Want = { at: 'riff' };
  #container: 'RIFF' | 'RF64' = 'RIFF';
  #riffBytes = 0;
  #fmt: Fmt | null = null;
  #ds64: Ds64Sizes | null = null;
  #bext: BextInfo | null = null;
  #data: { offset: number; bytes: number } | null = null;
  #chunks: string[] = [];
  #layout: WavLayout | null = null;

  get layout(): WavLayout | null {
    return this.#layout;
  }

  /** The bytes needed next (null once the layout is known). */
  get need(): WavNeed | null {
    if (this.#layout) return null;
    const w = this.#want;
    if (w.at === 'riff') return { offset: 0, bytes: 12 };
    if (w.at === 'chunk') return { offset: this.#pos, bytes: 8 };
    return { offset: w.body, bytes: Math.min(w.size, BODY_BYTES[w.id]!) };
  }

  push(bytes: Uint8Array, offset = this.#winAt + this.#held): WavStep {
    if (this.#layout) return { kind: 'layout', layout: this.#layout };
    let n = this.need!;
    const end = this.#winAt + this.#held;
    if (offset < end) {
      bytes = bytes.subarray(Math.min(bytes.length, end - offset)); // bytes the reader already has
      offset = end;
    }
    if (n.offset >= end) {
      // Nothing held is needed any more: keep only what is at or after the needed offset.
      const skip = Math.max(0, Math.min(bytes.length, n.offset - offset));
      if (offset > end && offset > n.offset)
        throw new RangeError(`bytes at ${offset} leave out bytes ${n.offset}… the WAV reader needs`);
      this.#clear();
      this.#winAt = offset + skip;
      bytes = bytes.subarray(skip);
    } else if (offset > end) {
      throw new RangeError(`bytes at ${offset} leave out bytes ${end}… the WAV reader needs`);
    }
    if (bytes.length > 0) {
      this.#more.push(bytes);
      this.#moreLen += bytes.length;
    }
    for (;;) {
      const have = this.#winAt + this.#held;
      if (have < n.offset + n.bytes) {
        if (this.#want.at === 'riff') checkMagic(this.#flat());
        if (have <= n.offset) {
          this.#clear();
          this.#winAt = have;
        }
        this.#own();
        return { kind: 'need', ...n };
      }
      const from = n.offset - this.#winAt;
      this.#consume(this.#flat().subarray(from, from + n.bytes));
      if (this.#layout) {
        this.#clear();
        return { kind: 'layout', layout: this.#layout };
      }
      n = this.need!;
      const drop = Math.min(this.#win.length, Math.max(0, n.offset - this.#winAt));
      this.#win = this.#win.subarray(drop);
      this.#winAt += drop;
    }
  }

  /** The file ends after the bytes pushed: the layout, or a WavHeaderError saying what is missing. */
  end(): WavLayout {
    if (this.#layout) return this.#layout;
    const have = this.#winAt + this.#held;
    if (this.#want.at === 'riff') {
      checkMagic(this.#flat());
      throw new WavHeaderError(AudioErrorCodes.wavTruncated, `${have} bytes are shorter than a RIFF header (12)`);
    }
    if (this.#data && !this.#fmt) throw invalid('no fmt chunk: the file has audio of an unknown format');
    const missing = this.#fmt ? 'no data chunk' : 'no fmt chunk';
    throw new WavHeaderError(
      AudioErrorCodes.wavTruncated,
      `the WAV header ends at byte ${have} with ${missing} yet (the next chunk starts at byte ${this.need!.offset})`,
    );
  }

  get #held(): number {
    return this.#win.length + this.#moreLen;
  }

  /** The bytes held as one array (joined once, when the reader needs to look at them). */
  #flat(): Uint8Array {
    if (this.#moreLen > 0) {
      const out = new Uint8Array(this.#win.length + this.#moreLen);
      out.set(this.#win);
      let at = this.#win.length;
      for (const m of this.#more) {
        out.set(m, at);
        at += m.length;
      }
      this.#win = out;
      this.#more = [];
      this.#moreLen = 0;
      this.#owned = 0;
    }
    return this.#win;
  }

  /** Copies what is held of the caller's arrays, which the caller may reuse once push returns (each byte once). */
  #own(): void {
    for (; this.#owned < this.#more.length; this.#owned++) this.#more[this.#owned] = this.#more[this.#owned]!.slice();
  }

  #clear(): void {
    this.#win = EMPTY;
    this.#more = [];
    this.#moreLen = 0;
    this.#owned = 0;
  }

  #consume(b: Uint8Array): void {
    const w = this.#want;
    if (w.at === 'riff') {
      checkMagic(b);
      this.#container = latin1(b, 0, 4) as 'RIFF' | 'RF64';
      this.#riffBytes = view(b).getUint32(4, true);
      this.#pos = 12;
      this.#want = { at: 'chunk' };
    } else if (w.at === 'chunk') {
      if (!isChunkId(b)) throw invalid(`bad chunk header at byte ${this.#pos}`);
      const id = latin1(b, 0, 4);
      const size = view(b).getUint32(4, true);
      const body = this.#pos + 8;
      this.#chunks.push(id);
      if (id === 'data') return this.#onData(body, size);
      if (id === 'fmt ' || (id === 'ds64' && size >= 24) || (id === 'bext' && size >= 346)) {
        this.#want = { at: 'body', id, size, body };
        return;
      }
      this.#pos = body + size + (size & 1);
    } else {
      if (w.id === 'fmt ') this.#fmt = parseFmt(b, w.size);
      else if (w.id === 'ds64') this.#ds64 = parseDs64(b, w.body);
      else this.#bext = parseBext(b);
      this.#pos = w.body + w.size + (w.size & 1);
      this.#want = { at: 'chunk' };
      if (this.#fmt && this.#data) this.#finish();
    }
  }

  #onData(body: number, size: number): void {
    const fromDs64 = this.#container === 'RF64' && size === U32_UNKNOWN && this.#ds64 !== null;
    const bytes = fromDs64 ? this.#ds64!.dataBytes : size;
    this.#data = { offset: body, bytes };
    if (this.#fmt) return this.#finish();
    // fmt after data (allowed, if unusual): skip the audio to find it, which needs the audio's size.
    if (!fromDs64 && (size === 0 || size === U32_UNKNOWN))
      throw invalid(`the data chunk comes before the fmt chunk and its size is unknown (${size})`);
    this.#pos = body + bytes + (bytes & 1);
  }

  #finish(): void {
    const riffBytes =
      this.#container === 'RF64' && this.#riffBytes === U32_UNKNOWN && this.#ds64
        ? this.#ds64.riffBytes
        : this.#riffBytes;
    this.#layout = {
      container: this.#container,
      ...this.#fmt!,
      dataOffset: this.#data!.offset,
      dataBytes: this.#data!.bytes,
      riffBytes,
      ds64: this.#ds64,
      bext: this.#bext,
      chunks: this.#chunks,
    };
  }
}

function checkMagic(b: Uint8Array): void {
  const riff = latin1(b, 0, Math.min(4, b.length));
  const wave = b.length > 8 ? latin1(b, 8, Math.min(4, b.length - 8)) : '';
  if ((!'RIFF'.startsWith(riff) && !'RF64'.startsWith(riff)) || !'WAVE'.startsWith(wave)) {
    throw new WavHeaderError(
      AudioErrorCodes.wavNotWav,
      `not a RIFF/WAVE file (starts with "${riff.replace(/[^\x20-\x7e]/g, '?')}")`,
    );
  }
}

/** The reader over the first bytes of a file: the layout, or what it needs beyond them; throws for what is no WAV. */
export function readWavHeader(head: Uint8Array): WavStep {
  return new WavHeaderReader().push(head);
}

/** The layout of a whole file (or of bytes that reach past the header); throws WavHeaderError otherwise. */
export function parseWavHeader(bytes: Uint8Array): WavLayout {
  const r = new WavHeaderReader();
  r.push(bytes);
  return r.end();
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * The layout of a file of `fileSize` bytes read through `readAt`, which is asked only for the chunk headers and
 * the bodies the reader looks into (at least `readAhead` bytes at a time).
 */
export async function readWavLayout(readAt: ReadAt, fileSize: number, readAhead = 4096): Promise<WavLayout> {
  const r = new WavHeaderReader();
  for (let n = r.need; n; n = r.need) {
    if (n.offset >= fileSize) return r.end();
    const b = await readAt(n.offset, Math.max(n.bytes, Math.min(readAhead, fileSize - n.offset)));
    r.push(b, n.offset);
    if (b.length < n.bytes) return r.end();
  }
  return r.layout!;
}

/** Where the audio of a file really ends, and why it differs from what the header says. */
export interface WavExtent {
  /** Bytes of audio from dataOffset: whole frames only. */
  bytes: number;
  frames: number;
  warnings: string[];
}

/** File offset just after the declared data (and its pad byte): where a chunk after the audio would start. */
export function wavDataEnd(layout: WavLayout): number {
  return layout.dataOffset + layout.dataBytes + (layout.dataBytes & 1);
}

/**
 * The audio of a file of `fileSize` bytes, tolerating what a crash or a file still being written leaves: a data
 * size of 0 or 0xFFFFFFFF, a size beyond the end of the file, or a size smaller than the audio that follows (the
 * header was not rewritten): the audio then runs to the end of the file. `after`, the 8 bytes at
 * wavDataEnd(layout), tells a chunk after the audio (LIST …) from audio past a stale size; without it, bytes past
 * the declared size are audio (a file being written).
 */
export function wavDataExtent(layout: WavLayout, fileSize: number, after?: Uint8Array): WavExtent {
  const warnings: string[] = [];
  const onDisk = Math.max(0, fileSize - layout.dataOffset);
  let bytes = layout.dataBytes;
  if (bytes === 0 || bytes === U32_UNKNOWN) {
    if (onDisk > 0) warnings.push(`data chunk size is ${bytes} (header not finalised); reading to the end of the file`);
    bytes = onDisk;
  } else if (bytes > onDisk) {
    warnings.push(
      `data chunk declares ${bytes} bytes but the file ends after ${onDisk}: truncated, reading what is there`,
    );
    bytes = onDisk;
  } else if (fileSize > wavDataEnd(layout)) {
    const next = wavDataEnd(layout);
    const isChunk =
      after !== undefined &&
      next + 8 <= fileSize &&
      after.length >= 8 &&
      isChunkId(after) &&
      next + 8 + view(after).getUint32(4, true) <= fileSize;
    if (!isChunk) {
      warnings.push(`data chunk declares ${bytes} bytes but audio continues to the end of the file; reading it all`);
      bytes = onDisk;
    }
  }
  const partial = bytes % layout.blockAlign;
  if (partial) warnings.push(`audio ends with a partial frame (${partial} bytes), ignored`);
  return { bytes: bytes - partial, frames: (bytes - partial) / layout.blockAlign, warnings };
}

/**
 * A copy of the header bytes (0 … dataOffset) with the RIFF and data sizes (RF64: the `ds64` sizes) set for the
 * whole frames of a file that is now `fileSize` bytes long, so a player reads a file still being written to its end.
 */
export function wavHeaderForSize(head: Uint8Array, layout: WavLayout, fileSize: number): Buffer {
  const out = Buffer.from(head.subarray(0, layout.dataOffset));
  const { bytes, frames } = wavDataExtent(layout, fileSize);
  const riff = layout.dataOffset + bytes - 8;
  if (layout.ds64 && layout.ds64.offset + 24 <= out.length) {
    out.writeUInt32LE(U32_UNKNOWN, 4);
    out.writeUInt32LE(U32_UNKNOWN, layout.dataOffset - 4);
    out.writeBigUInt64LE(BigInt(riff), layout.ds64.offset);
    out.writeBigUInt64LE(BigInt(bytes), layout.ds64.offset + 8);
    out.writeBigUInt64LE(BigInt(frames), layout.ds64.offset + 16);
  } else {
    out.writeUInt32LE(Math.min(U32_UNKNOWN, riff), 4);
    out.writeUInt32LE(Math.min(U32_UNKNOWN, bytes), layout.dataOffset - 4);
  }
  return out;
}
