import { IsrError } from '@isr/contract';

/** Stable codes of analysis failures; each becomes `error.code` of the record and a label of isr_analyzer_errors_total. */
export const AnalysisErrorCodes = {
  notFound: 'FILE_NOT_FOUND',
  empty: 'EMPTY_FILE',
  noAudio: 'NO_AUDIO',
  wavInvalid: 'WAV_INVALID',
  wavUnsupported: 'WAV_UNSUPPORTED',
  wavTruncated: 'WAV_TRUNCATED',
  flacCorrupt: 'FLAC_CORRUPT',
  unknownFormat: 'UNKNOWN_FORMAT',
  decodeFailed: 'DECODE_FAILED',
  badPath: 'BAD_PATH',
  badRequest: 'BAD_REQUEST',
  readFailed: 'READ_FAILED',
  /** isr.analyze only (never recorded): analyze_queue_max requests are already in hand. */
  busy: 'ANALYZER_BUSY',
  /** isr.analyze only (never recorded): the path is no recording (not an audio file name). */
  notAudio: 'NOT_AUDIO',
} as const;
export type AnalysisErrorCode = (typeof AnalysisErrorCodes)[keyof typeof AnalysisErrorCodes];

/** A file that cannot be analyzed: recorded as `{error: {code, message}}`, never retried. */
export class AnalysisError extends IsrError {
  declare readonly code: AnalysisErrorCode;
  constructor(code: AnalysisErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
