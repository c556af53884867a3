import { IsrError } from '@isr/contract';

/** A request the web service refuses, with the HTTP status it maps to and a stable code. */
export class WebError extends IsrError {
  readonly status: number;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** Every code the web service answers with, and its HTTP status (a test checks they are unique). */
export const WebErrorCodes = {
  badPath: ['ISR_WEB_BAD_PATH', 400],
  outsideRoot: ['ISR_WEB_OUTSIDE_ROOT', 403],
  notFound: ['ISR_WEB_NOT_FOUND', 404],
  badQuery: ['ISR_WEB_BAD_QUERY', 400],
  recording: ['ISR_WEB_FILE_RECORDING', 409],
  kept: ['ISR_WEB_FILE_KEPT', 409],
  readOnly: ['ISR_WEB_READ_ONLY', 403],
  unauthorized: ['ISR_WEB_UNAUTHORIZED', 401],
  tooManyFailures: ['ISR_WEB_TOO_MANY_FAILURES', 429],
  sseFull: ['ISR_WEB_SSE_FULL', 503],
  ssePerClient: ['ISR_WEB_SSE_PER_CLIENT', 429],
  hostNotAllowed: ['ISR_WEB_HOST_NOT_ALLOWED', 421],
  deleteDisabled: ['ISR_WEB_DELETE_DISABLED', 403],
  clipTooLong: ['ISR_WEB_CLIP_TOO_LONG', 400],
  clipEmpty: ['ISR_WEB_CLIP_EMPTY', 404],
  clipUnsupported: ['ISR_WEB_CLIP_UNSUPPORTED', 422],
  clipBusy: ['ISR_WEB_CLIP_BUSY', 429],
  clientGone: ['ISR_WEB_CLIENT_GONE', 499],
  analyzerDown: ['ISR_WEB_ANALYZER_UNAVAILABLE', 503],
  analyzerBusy: ['ISR_WEB_ANALYZER_BUSY', 429],
  verifyBusy: ['ISR_WEB_VERIFY_BUSY', 429],
  /** A client error fastify itself found (a body too large, a bad content type) that carries no code of its own. */
  badRequest: ['ISR_WEB_BAD_REQUEST', 400],
  /** Anything else that failed: logged at error, answered without detail. */
  internal: ['ISR_WEB_INTERNAL', 500],
} as const satisfies Record<string, readonly [string, number]>;

export type WebErrorKind = keyof typeof WebErrorCodes;

export function webError(kind: WebErrorKind, message: string, cause?: unknown): WebError {
  const [code, status] = WebErrorCodes[kind];
  return new WebError(code, status, message, cause === undefined ? undefined : { cause });
}
