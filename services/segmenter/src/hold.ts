/**
 * The bookkeeping of a held source (issue 16): after a write failure a source's file is kept, nothing of it is
 * acknowledged, and its audio is read back from ISR_AUDIO with backoff until it is all written (SourceWriter).
 * Pure: states, delays and the two log lines' fields.
 */
import { RecorderStates } from '@isr/contract';
import { Backoff } from '@isr/runtime';

/** Errors that mean "no room or a failing disk": the source shows disk_full (others: error). */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EIO']);
export function isDiskFull(err: unknown): boolean {
  return DISK_FULL_CODES.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

/**
 * Delay of the nak that gives a delivery back while its source is held (the catch-up reads the stream itself,
 * so the redelivery only needs acknowledging once it is written): a quarter of the hold so far, 5 s to 60 s, so
 * a long outage does not turn into a redelivery storm.
 */
export const REDELIVERY_DELAY_MS = 5000;
const REDELIVERY_DELAY_MAX_MS = 60_000;
/** Retry backoff of a held source: doubling from min to max (seconds). */
const RETRY_MIN_SECONDS = 0.25;
const RETRY_MAX_SECONDS = 5;

/** A source held after a write failure. */
export interface Hold {
  state: typeof RecorderStates.disk_full | typeof RecorderStates.error;
  sinceMs: number;
  /** Next stream sequence to read the source's chunks from. */
  cursor: number;
  /** The cursor at the last successful commit: where a new failure starts reading again. */
  durableCursor: number;
  /** Chunks and frames written from the stream while held (how much was held). */
  chunks: number;
  frames: number;
}

export function startHold(err: unknown, cursor: number, nowMs: number): Hold {
  return {
    state: isDiskFull(err) ? RecorderStates.disk_full : RecorderStates.error,
    sinceMs: nowMs,
    cursor,
    durableCursor: cursor,
    chunks: 0,
    frames: 0,
  };
}

/** Another failure while held: read again from the last commit (or earlier), and a disk error makes it disk_full. */
export function failedAgain(h: Hold, err: unknown, lowestPendingSeq: number | null): void {
  h.cursor = Math.min(lowestPendingSeq ?? Infinity, h.durableCursor);
  if (isDiskFull(err)) h.state = RecorderStates.disk_full;
}

export function nakDelayMs(h: Hold, nowMs: number): number {
  return Math.min(REDELIVERY_DELAY_MAX_MS, Math.max(REDELIVERY_DELAY_MS, (nowMs - h.sinceMs) / 4));
}

/** The waits between a held source's retries: doubling from 250 ms to 5 s (reset, and no wait, after progress). */
export function retryBackoff(): Backoff {
  return new Backoff(RETRY_MIN_SECONDS, RETRY_MAX_SECONDS);
}

/** The log line (message and fields) when a hold ends. */
export function holdEnded(
  h: Hold,
  nowMs: number,
  sampleRate: number,
): { fields: Record<string, unknown>; msg: string } {
  return {
    fields: {
      state: h.state,
      seconds: (nowMs - h.sinceMs) / 1000,
      heldChunks: h.chunks,
      heldSeconds: h.frames / sampleRate,
    },
    msg:
      h.state === RecorderStates.disk_full
        ? 'disk full over: the held audio is written, recording again'
        : 'write failure over: the held audio is written, recording again',
  };
}

export function holdStartedMsg(h: Hold): string {
  return h.state === RecorderStates.disk_full
    ? 'disk full: holding this source (its audio stays in JetStream, unacknowledged) and retrying the same write; no new file'
    : 'writing failed: holding this source (its audio stays in JetStream, unacknowledged) and retrying';
}
