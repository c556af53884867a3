import { StreamContentError } from './errors.ts';

/** What codec-parser is asked to frame: MPEG audio, ADTS AAC, Ogg (Opus/Vorbis/FLAC inside) or native FLAC. */
export type StreamKind = 'mpeg' | 'aac' | 'ogg' | 'flac';

/** codec-parser's MIME type for each kind. */
export const ParserMime = {
  mpeg: 'audio/mpeg',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
} as const satisfies Record<StreamKind, string>;

const AUDIO_TYPES: Record<string, StreamKind> = {
  'audio/mpeg': 'mpeg',
  'audio/mp3': 'mpeg',
  'audio/mpeg3': 'mpeg',
  'audio/x-mpeg': 'mpeg',
  'audio/x-mp3': 'mpeg',
  'audio/mpa': 'mpeg',
  'audio/aac': 'aac',
  'audio/aacp': 'aac',
  'audio/x-aac': 'aac',
  'audio/x-aacp': 'aac',
  'audio/ogg': 'ogg',
  'application/ogg': 'ogg',
  'audio/x-ogg': 'ogg',
  'audio/opus': 'ogg',
  'audio/vorbis': 'ogg',
  'audio/x-vorbis+ogg': 'ogg',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
};

/** Content types that say nothing: decide from the bytes. */
const GENERIC = /^(application\/octet-stream|binary\/octet-stream|audio\/x-unknown)?$/;

export type ContentTypeVerdict = { kind: StreamKind } | { sniff: true } | { notAudio: string };

/** Reads a Content-Type header: a known audio type, a generic one (sniff the bytes), or anything else = not audio. */
export function kindFromContentType(contentType: string | undefined): ContentTypeVerdict {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const kind = AUDIO_TYPES[mime];
  if (kind) return { kind };
  if (GENERIC.test(mime)) return { sniff: true };
  return { notAudio: mime };
}

export type Sniffed = StreamKind | 'html' | 'text' | null;

const ascii = (b: Uint8Array, at: number, s: string) => s.split('').every((c, i) => b[at + i] === c.charCodeAt(0));

/**
 * What the first bytes of a response are, from their magic: `OggS`, `fLaC`, `ID3`, an MPEG or ADTS frame
 * sync at the very start, an HTML/XML page or other text. null when the start says nothing (a live MP3 joined
 * mid-frame starts anywhere; the framer confirms it).
 */
export function sniffKind(b: Uint8Array): Sniffed {
  if (b.length >= 4 && ascii(b, 0, 'OggS')) return 'ogg';
  if (b.length >= 4 && ascii(b, 0, 'fLaC')) return 'flac';
  if (b.length >= 3 && ascii(b, 0, 'ID3')) return 'mpeg';
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xf6) === 0xf0) return 'aac';
  if (b.length >= 2 && b[0] === 0xff && (b[1]! & 0xe0) === 0xe0 && (b[1]! & 0x06) !== 0) return 'mpeg';
  let i = 0;
  if (ascii(b, 0, '\u00ef\u00bb\u00bf')) i = 3;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++;
  if (i < b.length && b[i] === 0x3c /* < */) return 'html';
  const sample = b.subarray(0, 512);
  if (sample.length >= 16 && sample.every((c) => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f)))
    return 'text';
  return null;
}

const NAMES: Record<StreamKind, string> = { mpeg: 'MP3', aac: 'AAC (ADTS)', ogg: 'Ogg', flac: 'FLAC' };

/**
 * Decides what to frame from the Content-Type and the first bytes, or throws StreamContentError naming
 * both. A declared type wins unless the bytes plainly say something else.
 */
export function decideKind(contentType: string | undefined, firstBytes: Uint8Array): StreamKind {
  const declared = kindFromContentType(contentType);
  const sniffed = sniffKind(firstBytes);
  const ct = contentType ? `Content-Type "${contentType}"` : 'no Content-Type';
  if ('notAudio' in declared) {
    throw new StreamContentError(`${ct} is not audio${sniffed === 'html' ? ' (the server sent an HTML page)' : ''}`);
  }
  if (sniffed === 'html' || sniffed === 'text') {
    throw new StreamContentError(
      `${ct} but the bytes are ${sniffed === 'html' ? 'an HTML/XML page' : 'text'}, not audio`,
    );
  }
  if ('sniff' in declared) {
    if (!sniffed)
      throw new StreamContentError(`${ct} and the first bytes match no supported codec (MP3, AAC, Ogg, FLAC)`);
    return sniffed;
  }
  // ID3 tags may precede ADTS as well as MP3; a start sync of the other MPEG family is no proof either.
  const strong = sniffed === 'ogg' || sniffed === 'flac';
  if (strong && sniffed !== declared.kind) {
    throw new StreamContentError(`${ct} says ${NAMES[declared.kind]} but the bytes are ${NAMES[sniffed]}`);
  }
  if (!strong && (declared.kind === 'ogg' || declared.kind === 'flac') && firstBytes.length >= 4) {
    throw new StreamContentError(
      `${ct} says ${NAMES[declared.kind]} but the bytes do not start with its magic ("${declared.kind === 'ogg' ? 'OggS' : 'fLaC'}")`,
    );
  }
  return declared.kind;
}

export function kindName(kind: StreamKind): string {
  return NAMES[kind];
}
