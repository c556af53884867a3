import CodecParser, { type CodecFrame, type OggPage } from 'codec-parser';
import { FlacHeaderError, FlacMetadataReader } from '@isr/audio';
import type { AudioCodec, AudioFormat } from '@isr/contract';
import { kindName, ParserMime, type StreamKind } from './codec-detect.ts';
import { StreamContentError } from './errors.ts';
import { ParsedExtent } from './parsed-extent.ts';
import { isWholeAdtsFrame, isWholeMpegFrame, isWholeOggPage } from './whole-unit.ts';

/** One codec unit as received: an MP3/AAC/FLAC frame or an Ogg page, with the samples it decodes to. */
export interface Unit {
  data: Uint8Array;
  samples: number;
  sampleRate: number;
  channels: number;
}

export interface StreamFormat {
  format: AudioFormat;
  codec: AudioCodec;
  sampleRate: number;
  channels: number;
}

/** Whether two stream formats are the same (codec, rate, channels): chunks and sessions never span a change. */
export const sameFormat = (a: StreamFormat, b: StreamFormat): boolean =>
  a.format === b.format && a.codec === b.codec && a.sampleRate === b.sampleRate && a.channels === b.channels;

export type FramerEvent =
  /** Codec header bytes to put before any unit (Ogg header pages; FLAC `fLaC` + metadata). Comes before the first unit and again after an Ogg chain restarts. */
  { type: 'init'; data: Uint8Array; stream: StreamFormat } | { type: 'unit'; unit: Unit; stream: StreamFormat };

const FORMAT: Record<StreamKind, AudioFormat> = { mpeg: 'mp3', aac: 'aac', ogg: 'ogg', flac: 'flac' };
const CODEC: Record<StreamKind, AudioCodec> = { mpeg: 'mp3', aac: 'aac', flac: 'flac', ogg: 'opus' };
const OGG_CODECS: Record<string, AudioCodec> = { opus: 'opus', vorbis: 'vorbis', flac: 'flac' };
const MAX_FLAC_METADATA = 1 << 20;
/** Bytes within which the content must be confirmed, else StreamContentError. */
const CONFIRM_WINDOW_BYTES = 64 * 1024;

/**
 * Frames a compressed byte stream with codec-parser: yields the codec header (Ogg/FLAC) and then whole
 * units, after confirming that the bytes really are the declared codec. Pure: push bytes, get events.
 */
export class Framer {
  readonly kind: StreamKind;
  private readonly parser: CodecParser<CodecFrame | OggPage>;
  /** Where the parser is in the input (its read position is private): units and skipped bytes up to the last unit. */
  private readonly extent = new ParsedExtent();
  /** Units that must parse in a row, same rate and channels, before the content counts as confirmed. */
  private readonly confirmUnits: number;
  private bytesIn = 0;
  private emittedBytes = 0;
  private confirmed = false;
  private held: { unit: Unit; stream: StreamFormat }[] = [];
  private oggHeader: Uint8Array[] = [];
  private oggInHeaders = true;
  private flacPrefix: FlacMetadataReader | null;
  private flacInit: Uint8Array | null = null;
  private lastRate = 0;
  private lastChannels = 0;
  private corrupt = 0;

  constructor(kind: StreamKind) {
    this.kind = kind;
    this.parser = new CodecParser(ParserMime[kind], { enableFrameCRC32: false });
    this.confirmUnits = kind === 'ogg' ? 1 : 3;
    this.flacPrefix = kind === 'flac' ? new FlacMetadataReader() : null;
  }

  /** Bytes skipped so far because they were no part of a whole unit (resync after corruption, the partial frame at a mid-stream join). */
  get corruptBytes(): number {
    return this.corrupt;
  }

  *push(bytes: Uint8Array): Generator<FramerEvent> {
    this.bytesIn += bytes.length;
    if (this.flacPrefix) this.collectFlacMetadata(bytes);
    this.extent.push(bytes);
    for (const frame of iterable(this.parser.parseChunk(bytes))) {
      this.extent.locate(rawOf(frame));
      yield* this.accept(frame);
    }
    if (this.confirmed)
      this.corrupt = Math.max(this.corrupt, this.extent.end - this.emittedBytes - (this.flacInit?.length ?? 0));
    if (!this.confirmed && this.bytesIn - (this.flacInit?.length ?? 0) > CONFIRM_WINDOW_BYTES) {
      throw new StreamContentError(this.unconfirmedMessage());
    }
  }

  /**
   * End of the byte stream. Yields what codec-parser still held only when it is provably whole
   * (an Ogg page, ADTS or MPEG frame whose length matches its header); a last FLAC frame is dropped.
   */
  *end(): Generator<FramerEvent> {
    const rest = [...iterable(this.parser.flush())];
    for (const frame of rest) {
      const raw = rawOf(frame);
      const whole =
        this.kind === 'ogg'
          ? isWholeOggPage(raw)
          : this.kind === 'aac'
            ? isWholeAdtsFrame(raw)
            : this.kind === 'mpeg'
              ? isWholeMpegFrame(raw)
              : false;
      if (whole && this.confirmed) yield* this.accept(frame);
    }
  }

  private unconfirmedMessage(): string {
    if (this.kind === 'ogg' && this.held.length === 0 && this.oggHeader.length > 0) {
      return 'Ogg stream carries no Opus, Vorbis or FLAC audio (or started without its header pages)';
    }
    return `no ${kindName(this.kind)} frames found in the first ${CONFIRM_WINDOW_BYTES} bytes: the content is not ${kindName(this.kind)} audio`;
  }

  private collectFlacMetadata(bytes: Uint8Array): void {
    const reader = this.flacPrefix!;
    try {
      if (reader.push(bytes).kind === 'need') {
        if (reader.buffered > MAX_FLAC_METADATA)
          throw new StreamContentError(`FLAC metadata longer than ${MAX_FLAC_METADATA} bytes`);
        return;
      }
    } catch (err) {
      if (err instanceof FlacHeaderError) throw new StreamContentError(`FLAC stream: ${err.message}`, { cause: err });
      throw err;
    }
    this.flacInit = reader.header;
    this.flacPrefix = null;
  }

  private *accept(frame: CodecFrame | OggPage): Generator<FramerEvent> {
    if ('rawData' in frame) yield* this.acceptPage(frame);
    else {
      const h = frame.header;
      yield* this.acceptUnit(
        { data: frame.data, samples: frame.samples, sampleRate: h.sampleRate, channels: h.channels },
        FORMAT[this.kind],
        CODEC[this.kind],
      );
    }
  }

  private *acceptPage(page: OggPage): Generator<FramerEvent> {
    if (page.isFirstPage && !this.oggInHeaders) {
      // A chained Ogg stream starts over: new header pages, new init.
      this.oggInHeaders = true;
      this.oggHeader = [];
    }
    if (this.oggInHeaders && page.codecFrames.length === 0) {
      // Pages before any BOS page (a stream joined without its headers) are unusable and count as corrupt.
      if (page.isFirstPage || this.oggHeader.length > 0) this.oggHeader.push(page.rawData);
      return;
    }
    const first = page.codecFrames[0];
    if (first) {
      this.lastRate = first.header.sampleRate;
      this.lastChannels = first.header.channels;
    }
    const codec = OGG_CODECS[this.parser.codec];
    if (!codec || this.oggHeader.length === 0 || !this.lastRate) return;
    const stream: StreamFormat = { format: 'ogg', codec, sampleRate: this.lastRate, channels: this.lastChannels };
    if (this.oggInHeaders) {
      this.oggInHeaders = false;
      const init = concat(this.oggHeader);
      this.emittedBytes += init.length;
      yield { type: 'init', data: init, stream };
    }
    yield* this.acceptUnit(
      { data: page.rawData, samples: page.samples, sampleRate: this.lastRate, channels: this.lastChannels },
      'ogg',
      codec,
      stream,
    );
  }

  private *acceptUnit(
    unit: Unit,
    format: AudioFormat,
    codec: AudioCodec,
    known?: StreamFormat,
  ): Generator<FramerEvent> {
    const stream = known ?? { format, codec, sampleRate: unit.sampleRate, channels: unit.channels };
    this.emittedBytes += unit.data.length;
    if (this.confirmed) {
      yield { type: 'unit', unit, stream };
      return;
    }
    const prev = this.held[this.held.length - 1];
    if (prev && (prev.unit.sampleRate !== unit.sampleRate || prev.unit.channels !== unit.channels)) {
      for (const h of this.held) this.emittedBytes -= h.unit.data.length;
      this.held = [];
    }
    this.held.push({ unit, stream });
    if (this.held.length < this.confirmUnits) return;
    this.confirmed = true;
    if (this.flacPrefix !== null)
      throw new StreamContentError('FLAC stream has frames but no complete "fLaC" metadata header before them');
    if (this.flacInit) yield { type: 'init', data: this.flacInit, stream: this.held[0]!.stream };
    for (const h of this.held) yield { type: 'unit', ...h };
    this.held = [];
  }
}

/** The input bytes a parser output stands for: an Ogg page's, or a codec frame's. */
const rawOf = (frame: CodecFrame | OggPage): Uint8Array => ('rawData' in frame ? frame.rawData : frame.data);

/** codec-parser types its generators as plain Iterators. */
function iterable<T>(it: Iterator<T>): Iterable<T> {
  return { [Symbol.iterator]: () => it };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
