import { IsrError } from '@isr/contract';

/** Stable codes of @isr/audio's readers: one table for the package, like fastify's `lib/errors.js`. */
export const AudioErrorCodes = {
  /** The bytes do not start with `RIFF`/`RF64` … `WAVE`. */
  wavNotWav: 'ISR_WAV_NOT_WAV',
  /** The bytes end before the header does (no `fmt ` or `data` chunk yet). */
  wavTruncated: 'ISR_WAV_TRUNCATED',
  /** A RIFF/WAVE file whose header cannot be read: a bad chunk header, a short or impossible `fmt ` chunk. */
  wavInvalid: 'ISR_WAV_INVALID',
  /** The bytes do not start with `fLaC`. */
  flacNotFlac: 'ISR_FLAC_NOT_FLAC',
  /** The bytes end inside the metadata blocks. */
  flacTruncated: 'ISR_FLAC_TRUNCATED',
  /** `fLaC` without STREAMINFO as its first, 34-byte block, or a bad block. */
  flacInvalid: 'ISR_FLAC_INVALID',
  /** A FLAC frame that cannot be read or renumbered (no sync code, a bad coded number, a header CRC-8 mismatch). */
  flacFrame: 'ISR_FLAC_FRAME',
  /** An Ogg page that cannot be parsed (no `OggS` capture pattern, cut short, a bad segment table). */
  oggPage: 'ISR_OGG_PAGE',
  /** A time zone name Intl does not know. */
  timeZone: 'ISR_TIMEZONE',
} as const;
export type AudioErrorCode = (typeof AudioErrorCodes)[keyof typeof AudioErrorCodes];

/** A WAV/RF64 header that cannot be read; `code` says whether it is not a WAV, cut short, or broken. */
export class WavHeaderError extends IsrError {
  declare readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** FLAC metadata that cannot be read; `code` says whether it is not FLAC, cut short, or broken. */
export class FlacHeaderError extends IsrError {
  declare readonly code: AudioErrorCode;
  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A FLAC frame that cannot be read or renumbered. */
export class FlacFrameError extends IsrError {
  constructor(message: string) {
    super(AudioErrorCodes.flacFrame, message);
  }
}

/** An Ogg page that cannot be parsed or rewritten. */
export class OggPageError extends IsrError {
  constructor(message: string) {
    super(AudioErrorCodes.oggPage, message);
  }
}

/** A time zone name that is no IANA zone Intl knows. */
export class TimeZoneError extends IsrError {
  constructor(zone: string, options?: { cause?: unknown }) {
    super(
      AudioErrorCodes.timeZone,
      `unknown time zone "${zone}": use an IANA name such as Europe/Berlin or UTC`,
      options,
    );
  }
}
