import { AudioErrorCodes, FlacHeaderError } from './errors.ts';

/**
 * The one FLAC metadata reader: `fLaC`, then metadata blocks (a 4-byte header each — last-block flag, 7-bit type,
 * 24-bit length — STREAMINFO first), then the audio frames. Incremental and pure: push the file's first bytes
 * whole or in pieces and get the metadata once the last block is complete, "need more" before, or a
 * FlacHeaderError for what is not FLAC or is broken. RFC 9639 §8 (https://www.rfc-editor.org/rfc/rfc9639#section-8).
 */
export interface StreamInfo {
  minBlockSize: number;
  maxBlockSize: number;
  /** Bytes; 0 = unknown. */
  minFrameSize: number;
  maxFrameSize: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** 0 = unknown (a file still being written by a streaming encoder). */
  totalSamples: number;
  md5: Buffer;
}

export const FlacBlockTypes = {
  streamInfo: 0,
  padding: 1,
  application: 2,
  seekTable: 3,
  vorbisComment: 4,
  cueSheet: 5,
  picture: 6,
} as const;

export interface FlacBlock {
  type: number;
  /** File offset of the block's header (its body starts 4 bytes later). */
  offset: number;
  /** Body bytes. */
  length: number;
}

export interface FlacMetadata {
  streamInfo: StreamInfo;
  blocks: FlacBlock[];
  /** VORBIS_COMMENT: the vendor string and the comments in order (keys as written); null without one. */
  vorbisComment: { vendor: string; comments: [key: string, value: string][] } | null;
  /** Bytes of `fLaC` and all metadata blocks: the file offset of the first audio frame. */
  audioOffset: number;
}

export type FlacStep = { kind: 'metadata'; metadata: FlacMetadata } | { kind: 'need'; bytes: number };

/** File offset of STREAMINFO's body in a FLAC file (after `fLaC` and the block header). */
export const FLAC_STREAMINFO_OFFSET = 8;
/** Bytes to read for STREAMINFO: `fLaC`, its block header and its 34-byte body. */
export const FLAC_STREAMINFO_END = FLAC_STREAMINFO_OFFSET + 34;

const MAGIC = [0x66, 0x4c, 0x61, 0x43]; // fLaC
const invalid = (message: string) => new FlacHeaderError(AudioErrorCodes.flacInvalid, message);

function checkMagic(b: Uint8Array): void {
  for (let i = 0; i < Math.min(4, b.length); i++) {
    if (b[i] !== MAGIC[i])
      throw new FlacHeaderError(AudioErrorCodes.flacNotFlac, 'not a FLAC file (does not start with "fLaC")');
  }
}

/** STREAMINFO from the first bytes of a FLAC file (FLAC_STREAMINFO_END of them are enough). */
export function readStreamInfo(head: Uint8Array): StreamInfo {
  checkMagic(head);
  if (head.length < FLAC_STREAMINFO_END)
    throw new FlacHeaderError(
      AudioErrorCodes.flacTruncated,
      `${head.length} bytes are shorter than fLaC and STREAMINFO (${FLAC_STREAMINFO_END})`,
    );
  const len = (head[5]! << 16) | (head[6]! << 8) | head[7]!;
  if ((head[4]! & 0x7f) !== FlacBlockTypes.streamInfo || len !== 34)
    throw invalid('the first metadata block is not a 34-byte STREAMINFO');
  const b = Buffer.from(head.buffer, head.byteOffset + FLAC_STREAMINFO_OFFSET, 34);
  return {
    minBlockSize: b.readUInt16BE(0),
    maxBlockSize: b.readUInt16BE(2),
    minFrameSize: b.readUIntBE(4, 3),
    maxFrameSize: b.readUIntBE(7, 3),
    sampleRate: (b[10]! << 12) | (b[11]! << 4) | (b[12]! >> 4),
    channels: ((b[12]! >> 1) & 0x7) + 1,
    bitsPerSample: (((b[12]! & 1) << 4) | (b[13]! >> 4)) + 1,
    totalSamples: (b[13]! & 0x0f) * 2 ** 32 + b.readUInt32BE(14),
    md5: Buffer.from(b.subarray(18, 34)), // a copy: the caller may reuse `head`
  };
}

function parseVorbisComment(body: Buffer): FlacMetadata['vorbisComment'] {
  try {
    let p = 0;
    const str = () => {
      const n = body.readUInt32LE(p);
      if (p + 4 + n > body.length) throw new RangeError('string past the block');
      const s = body.toString('utf8', p + 4, p + 4 + n);
      p += 4 + n;
      return s;
    };
    const vendor = str();
    const count = body.readUInt32LE(p);
    p += 4;
    const comments: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      const c = str();
      const eq = c.indexOf('=');
      if (eq > 0) comments.push([c.slice(0, eq), c.slice(eq + 1)]);
    }
    return { vendor, comments };
  } catch (cause) {
    throw new FlacHeaderError(AudioErrorCodes.flacInvalid, 'the VORBIS_COMMENT block is malformed', { cause });
  }
}

/** The metadata from the first bytes of a file, or how many bytes from the start it needs; throws for what is no FLAC. */
export function readFlacMetadata(head: Uint8Array): FlacStep {
  checkMagic(head);
  let at = 4;
  const blocks: FlacBlock[] = [];
  for (;;) {
    if (head.length < at + 4)
      return { kind: 'need', bytes: Math.max(at + 4, blocks.length === 0 ? FLAC_STREAMINFO_END : 0) };
    const type = head[at]! & 0x7f;
    const last = (head[at]! & 0x80) !== 0;
    const length = (head[at + 1]! << 16) | (head[at + 2]! << 8) | head[at + 3]!;
    if (blocks.length === 0 && (type !== FlacBlockTypes.streamInfo || length !== 34))
      throw invalid('the first metadata block is not a 34-byte STREAMINFO');
    if (type === 127) throw invalid(`metadata block type 127 at byte ${at} (forbidden)`);
    blocks.push({ type, offset: at, length });
    at += 4 + length;
    if (head.length < at) return { kind: 'need', bytes: at };
    if (last) break;
  }
  const vc = blocks.find((b) => b.type === FlacBlockTypes.vorbisComment);
  const body = (b: FlacBlock) => Buffer.from(head.buffer, head.byteOffset + b.offset + 4, b.length);
  return {
    kind: 'metadata',
    metadata: {
      streamInfo: readStreamInfo(head),
      blocks,
      vorbisComment: vc ? parseVorbisComment(body(vc)) : null,
      audioOffset: at,
    },
  };
}

/**
 * Push the first bytes of a FLAC file whole or in pieces; `end()` says the file (or stream) ends there. Keeps the
 * bytes until the metadata is complete (the caller's limit on their length is its own: see `buffered`).
 */
export class FlacMetadataReader {
  #parts: Uint8Array[] = [];
  #length = 0;
  #need = 4;
  #metadata: FlacMetadata | null = null;

  get metadata(): FlacMetadata | null {
    return this.#metadata;
  }

  /** Bytes held while the metadata is incomplete. */
  get buffered(): number {
    return this.#length;
  }

  /** The bytes of `fLaC` and the metadata blocks, once complete (a copy). */
  get header(): Uint8Array | null {
    return this.#metadata ? this.#joined().slice(0, this.#metadata.audioOffset) : null;
  }

  push(bytes: Uint8Array): FlacStep {
    if (this.#metadata) return { kind: 'metadata', metadata: this.#metadata };
    this.#parts.push(bytes.slice()); // the caller may reuse its array once push returns
    this.#length += bytes.length;
    if (this.#length < this.#need) {
      if (this.#length < 4) checkMagic(this.#joined());
      return { kind: 'need', bytes: this.#need };
    }
    const step = readFlacMetadata(this.#joined());
    if (step.kind === 'metadata') this.#metadata = step.metadata;
    else this.#need = step.bytes;
    return step;
  }

  end(): FlacMetadata {
    if (this.#metadata) return this.#metadata;
    throw new FlacHeaderError(
      AudioErrorCodes.flacTruncated,
      `the FLAC metadata ends at byte ${this.#length}, before its last block (needs ${this.#need} bytes)`,
    );
  }

  #joined(): Uint8Array {
    if (this.#parts.length > 1) this.#parts = [Buffer.concat(this.#parts)];
    return this.#parts[0] ?? new Uint8Array(0);
  }
}
