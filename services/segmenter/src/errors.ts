import { IsrError } from '@isr/contract';

/** Stable codes of the segmenter's own failures: one table for the service, like fastify's `lib/errors.js`. */
export const SegmenterErrorCodes = {
  /** A FLAC frame that cannot be renumbered (no sync code, a bad coded number, a header CRC-8 mismatch). */
  flacFrame: 'ISR_SEGMENTER_FLAC_FRAME',
} as const;
export type SegmenterErrorCode = (typeof SegmenterErrorCodes)[keyof typeof SegmenterErrorCodes];

/** A FLAC frame the segmenter cannot renumber to continue a stream another encoder started. */
export class FlacFrameError extends IsrError {
  constructor(message: string) {
    super(SegmenterErrorCodes.flacFrame, message);
  }
}
