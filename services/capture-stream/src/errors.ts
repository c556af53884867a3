import { IsrError } from '@isr/contract';

/** The response is not the audio it claims to be (HTML page, random bytes, codec mismatch, unsupported codec). */
export class StreamContentError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISR_STREAM_CONTENT', message, options);
  }
}

/** The server answered with a non-2xx HTTP status. */
export class StreamHttpError extends IsrError {
  readonly status: number;
  constructor(status: number, message: string) {
    super('ISR_STREAM_HTTP', message);
    this.status = status;
  }
}

/** No bytes arrived for stall_seconds. */
export class StreamStallError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISR_STREAM_STALL', message, options);
  }
}

/** Connection failed or broke (refused, reset, DNS, TLS). */
export class StreamNetworkError extends IsrError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ISR_STREAM_NETWORK', message, options);
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
