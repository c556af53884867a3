import { bool, num, str, type IsrConfig, type Settings } from '@isr/runtime';

/** The parameters of one analysis; the record carries them so a reader knows how the sections were found. */
export interface AnalysisParams {
  windowSeconds: number;
  thresholdMode: 'fixed' | 'adaptive';
  /** fixed: linear RMS 0–1. */
  threshold: number;
  /** adaptive: dB above the noise floor. */
  marginDb: number;
  noiseFloorPercentile: number;
  minGapSeconds: number;
  minSectionSeconds: number;
}

export interface LiveParams {
  deadAirThresholdDbfs: number;
  deadAirSeconds: number;
}

export interface AnalyzerSettings {
  outputDirectory: string;
  concurrency: number;
  /** analyze_queue_max: isr.analyze requests held at once (queued or running). */
  analyzeQueueMax: number;
  startupScan: boolean;
  live: boolean;
  liveCompressed: boolean;
  liveIntervalSeconds: number;
  ffmpeg: string;
  ffprobe: string;
  /** Per source name; unknown sources (a directory not in the config) use [general]. */
  paramsFor(source: string): AnalysisParams;
  liveFor(source: string): LiveParams;
}

function params(s: Settings): AnalysisParams {
  return {
    windowSeconds: num(s, 'analysis_window_seconds'),
    thresholdMode: str(s, 'threshold_mode') === 'adaptive' ? 'adaptive' : 'fixed',
    threshold: num(s, 'threshold'),
    marginDb: num(s, 'margin_db'),
    noiseFloorPercentile: num(s, 'noise_floor_percentile'),
    minGapSeconds: num(s, 'min_gap_seconds'),
    minSectionSeconds: num(s, 'min_section_seconds'),
  };
}

export function analyzerSettings(config: IsrConfig): AnalyzerSettings {
  const g = config.general;
  const settingsOf = (source: string): Settings => config.sources.find((x) => x.name === source)?.settings ?? g;
  return {
    outputDirectory: str(g, 'output_directory'),
    concurrency: num(g, 'analyzer_concurrency'),
    analyzeQueueMax: num(g, 'analyze_queue_max'),
    startupScan: bool(g, 'analyzer_startup_scan'),
    live: bool(g, 'analyzer_live'),
    liveCompressed: bool(g, 'analyzer_live_compressed'),
    liveIntervalSeconds: num(g, 'analyzer_live_interval_seconds'),
    ffmpeg: str(g, 'analyzer_ffmpeg'),
    ffprobe: str(g, 'analyzer_ffprobe'),
    paramsFor: (source) => params(settingsOf(source)),
    liveFor: (source) => {
      const s = settingsOf(source);
      return { deadAirThresholdDbfs: num(s, 'dead_air_threshold_dbfs'), deadAirSeconds: num(s, 'dead_air_seconds') };
    },
  };
}
