import type { KeySpec } from '../spec.ts';

/** Keys of the analyzer (the analyzer issue owns this file). */
export const analyzerKeys: readonly KeySpec[] = [
  { key: 'analysis_window_seconds', type: 'number', default: 0.1, scope: 'inherited', min: 0.01, max: 10, doc: 'Analyzer: length of the RMS/peak windows that loud sections are found from' },
  { key: 'threshold', type: 'number', default: 0.05, scope: 'inherited', min: 0, max: 1, doc: 'Analyzer: fixed loudness threshold, linear RMS 0–1 (the seed\'s default 0.05 ≈ −26 dBFS); used when threshold_mode = fixed' },
  { key: 'threshold_mode', type: 'enum', default: 'fixed', values: ['fixed', 'adaptive'], scope: 'inherited', doc: 'Analyzer: fixed (use threshold) or adaptive (noise floor of the file + margin_db)' },
  { key: 'margin_db', type: 'number', default: 12, scope: 'inherited', min: 0, max: 100, doc: 'Analyzer: adaptive mode, dB above the noise floor a window must reach to be loud' },
  { key: 'noise_floor_percentile', type: 'number', default: 10, scope: 'inherited', min: 0, max: 100, doc: 'Analyzer: adaptive mode, the noise floor is this percentile of the file\'s window RMS levels' },
  { key: 'min_gap_seconds', type: 'number', default: 2, scope: 'inherited', min: 0, doc: 'Analyzer: loud runs separated by a quieter stretch shorter than this are merged into one section' },
  { key: 'min_section_seconds', type: 'number', default: 0.5, scope: 'inherited', min: 0, doc: 'Analyzer: sections shorter than this (after merging) are dropped' },
  { key: 'dead_air_threshold_dbfs', type: 'number', default: -50, scope: 'inherited', max: 0, doc: 'Analyzer live: a source whose RMS stays below this many dBFS…' },
  { key: 'dead_air_seconds', type: 'number', default: 15, scope: 'inherited', min: 0.1, doc: 'Analyzer live: …for this many seconds is dead air (isr_dead_air = 1)' },
  { key: 'analyzer_concurrency', type: 'integer', default: 2, scope: 'general', min: 1, max: 64, doc: 'Analyzer: files analysed at once per replica' },
  { key: 'analyze_queue_max', type: 'integer', default: 8, scope: 'general', min: 1, max: 10000, doc: 'Analyzer: isr.analyze requests (web /api/analyze) one replica holds at once, queued or running; identical ones count once, more are refused as ANALYZER_BUSY (web: 429)' },
  { key: 'analyzer_startup_scan', type: 'boolean', default: true, scope: 'general', doc: 'Analyzer: at start-up, analyse recordings under output_directory that have no .analysis.json' },
  { key: 'analyzer_live', type: 'boolean', default: true, scope: 'general', doc: 'Analyzer: follow isr.audio.* for live levels and dead air' },
  { key: 'analyzer_live_compressed', type: 'boolean', default: true, scope: 'general', doc: 'Analyzer live: also decode compressed sources (one ffmpeg per source) for live levels and dead air' },
  { key: 'analyzer_live_interval_seconds', type: 'number', default: 0.25, scope: 'general', min: 0.05, max: 10, doc: 'Analyzer live: publish isr.level.<source> every this many seconds of audio' },
  { key: 'analyzer_ffmpeg', type: 'string', default: 'ffmpeg', scope: 'general', doc: 'Analyzer: ffmpeg binary used to decode MP3, AAC and Ogg (Vorbis, Opus, FLAC) files; native FLAC is decoded by libFLAC in process' },
  { key: 'analyzer_ffprobe', type: 'string', default: 'ffprobe', scope: 'general', doc: 'Analyzer: ffprobe binary used to identify files that are neither WAV nor native FLAC' },
];
