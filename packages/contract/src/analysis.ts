/** The analysis of a recording is also written beside it as `<recording>` + this suffix (survives a lost NATS store). */
export const ANALYSIS_SIDECAR_SUFFIX = '.analysis.json';

/** Request on isr.analyze. */
export interface AnalyzeRequest {
  /** Path relative to output_directory. */
  path: string;
  /** Optional overrides (seed's `threshold`); the reply says which parameters were used. */
  threshold?: number;
  force?: boolean;
}

/** Reply on isr.analyze: the record, or an error. */
export type AnalyzeReply =
  /** `stored`: the record is the stored analysis (in KV, with a done event); false for a threshold override. */
  | { ok: true; analysis: AnalysisRecord; stored?: boolean }
  /** `code` ANALYZER_BUSY: analyze_queue_max requests are in hand (retry later); NOT_AUDIO: the path is no recording. */
  | { ok: false; error: string; code: string };

/** Value of KV isr_analysis.<analysisKey(path)>, also written as `<file>.analysis.json` beside the recording. */
export interface AnalysisRecord {
  path: string;
  source: string;
  /** ISO UTC of when it was analyzed. */
  analyzedAt: string;
  /** Present when the file could not be analyzed; the other measurement fields are then absent. */
  error?: { code: string; message: string };
  // Measurements (absent on error). Full schema: docs/analyzer.md.
  /** Container and codec found in the file, and what decoded it ('wav-reader' | 'ffmpeg'). */
  container?: string;
  codec?: string;
  decoder?: string;
  sampleRate?: number;
  channels?: number;
  bitsPerSample?: number | null;
  /** Sample frames decoded (per channel), and frames / sampleRate. */
  frames?: number;
  durationSeconds?: number;
  /** File size when analyzed. */
  bytes?: number;
  /** SHA-256 (hex) of the file as the segmenter closed it (from its closed-segment event; absent for other triggers). */
  sha256?: string;
  /** RMS over all samples of all channels, and the sample peak, in dBFS (−150 = digital silence). */
  rmsDbfs?: number;
  peakDbfs?: number;
  /** Samples (any channel) at or beyond ±32767/32768 of full scale. */
  clippedSamples?: number;
  /** ITU-R BS.1770-4 / EBU R128 gated integrated loudness; null when nothing is above the −70 LUFS gate. */
  integratedLufs?: number | null;
  maxMomentaryLufs?: number | null;
  maxShortTermLufs?: number | null;
  /** adaptive mode: the noise floor found; always: the threshold applied, in dBFS. */
  noiseFloorDbfs?: number | null;
  thresholdDbfs?: number;
  /** The parameters used. */
  params?: AnalysisParameters;
  loudSections?: LoudSectionRecord[];
  /** Overview waveform (~1,000–2,000 pixels), BBC audiowaveform JSON v2. */
  waveform?: AudiowaveformData;
  /** Sidecar only: zoom levels, finest first (≈0.1 s per pixel, bounded to 65,536 pixels; ≈1 s per pixel). */
  waveforms?: AudiowaveformData[];
  /** Sidecar only: the per-window RMS/peak series (dBFS), `windowSeconds` each (grouped by powers of two beyond 36,000 points). */
  windows?: { windowSeconds: number; rmsDbfs: number[]; peakDbfs: number[] };
  /** What was odd but survivable (truncated WAV sizes, decoder complaints). */
  warnings?: string[];
  /** 'windows' when a threshold override re-derived the loud sections from the stored window series instead of decoding. */
  sectionsFrom?: 'windows';
  /** 'full' in the sidecar; 'summary' in KV, where waveforms and windows are left out (size). */
  detail?: 'full' | 'summary';
  [field: string]: unknown;
}

/** Parameters an analysis used (config keys in parentheses). */
export type AnalysisParameters = {
  windowSeconds: number; // analysis_window_seconds
  thresholdMode: 'fixed' | 'adaptive'; // threshold_mode
  threshold: number; // threshold (linear RMS 0–1)
  marginDb: number; // margin_db
  noiseFloorPercentile: number; // noise_floor_percentile
  minGapSeconds: number; // min_gap_seconds
  minSectionSeconds: number; // min_section_seconds
};

/** A loud section in seconds from the start of the file. */
export type LoudSectionRecord = { start: number; end: number; duration: number; maxRmsDbfs: number; peakDbfs: number };

/** BBC audiowaveform JSON, version 2 (https://github.com/bbc/audiowaveform/blob/master/doc/DataFormat.md): min/max pairs per pixel. */
export type AudiowaveformData = {
  version: 2;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 8 | 16;
  length: number;
  data: number[];
};

/** Body of isr.analysis.done.<source>. */
export interface AnalysisDoneEvent {
  source: string;
  path: string;
  key: string;
  ok: boolean;
  error?: string;
}
