import { IsrError } from '@isr/contract';

/** Stable codes of capture-stream's failures: one table for the service, like fastify's `lib/errors.js`. */
export const StreamErrorCodes = {
  /** The response is not the audio it claims to be. */
  content: 'ISR_STREAM_CONTENT',
  /** A non-2xx HTTP status. */
  http: 'ISR_STREAM_HTTP',
  /** No bytes for stall_seconds. */
  stall: 'ISR_STREAM_STALL',
  /** Connection refused, reset, DNS, TLS. */
  network: 'ISR_STREAM_NETWORK',
} as const;
export type StreamErrorCode = (typeof StreamErrorCodes)[keyof typeof StreamErrorCodes];

/** The response is not the audio it claims to be (HTML page, random bytes, codec mismatch, unsupported codec). */
export class StreamContentError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(StreamErrorCodes.content, message, options);
  }
}

/** The server answered with a non-2xx HTTP status. */
export class StreamHttpError extends IsrError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(StreamErrorCodes.http, message);
    this.status = status;
  }
}

/** No bytes arrived for stall_seconds. */
export class StreamStallError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(StreamErrorCodes.stall, message, options);
  }
}

/** Connection failed or broke (refused, reset, DNS, TLS). */
export class StreamNetworkError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(StreamErrorCodes.network, message, options);
  }
}

/** Reason label for the reconnect metric and the log. */
export type DisconnectReason = 'content' | 'http' | 'stall' | 'network' | 'eof';

export function reasonOf(err: unknown): DisconnectReason {
  if (err instanceof StreamContentError) return 'content';
  if (err instanceof StreamHttpError) return 'http';
  if (err instanceof StreamStallError) return 'stall';
  return 'network';
}
