/** Request on isr.analyze. */
export interface AnalyzeRequest {
  /** Path relative to output_directory. */
  path: string;
  /** Optional overrides (seed's `threshold`); the reply says which parameters were used. */
  threshold?: number;
  force?: boolean;
}

/** Reply on isr.analyze: the record, or an error. */
export type AnalyzeReply = { ok: true; analysis: AnalysisRecord } | { ok: false; error: string; code: string };

/** Value of KV isr_analysis.<analysisKey(path)>, also written as `<file>.analysis.json` beside the recording. */
export interface AnalysisRecord {
  path: string;
  source: string;
  /** ISO UTC of when it was analysed. */
  analyzedAt: string;
  /** Present when the file could not be analysed; the other measurement fields are then absent. */
  error?: { code: string; message: string };
  [field: string]: unknown;
}

/** Body of isr.analysis.done.<source>. */
export interface AnalysisDoneEvent {
  source: string;
  path: string;
  key: string;
  ok: boolean;
  error?: string;
}
