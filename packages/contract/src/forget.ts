/**
 * `isr.analyze.forget`: the web deleted a recording and asks the analyzer (the only writer of isr_analysis) to
 * drop its analysis record. The analyzer does so only when the file is gone from disk.
 */
export interface ForgetRequest {
  /** The recording's path relative to the recordings root. */
  path: string;
}

export type ForgetReply = { ok: true; forgotten: boolean } | { ok: false; code: string; error: string };
