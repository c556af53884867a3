import type { AnalysisRecord, AudiowaveformData } from '@isr/contract';
import type { DecodedAudio } from './decoded-audio.ts';
import type { AnalysisParams } from './params.ts';
import { loudSections } from './sections.ts';
import type { SignalMeasurements } from './signal-analyzer.ts';
import { round2, toDbfs } from './window-series.ts';

/** The per-window series in the record is grouped (by powers of two) beyond this many points: 1 h at 100 ms fits. */
export const MAX_WINDOW_POINTS = 36000;

const round1e4 = (v: number | null) => (v === null ? null : Math.round(v * 1e4) / 1e4);

/** The full record (what the sidecar holds) from one pass's measurements. */
export function buildRecord(
  base: { path: string; source: string; analyzedAt: string; bytes: number },
  audio: DecodedAudio,
  m: SignalMeasurements,
  params: AnalysisParams,
): AnalysisRecord {
  const durationSeconds = m.frames / m.sampleRate;
  const windowSeconds = m.windowFrames / m.sampleRate;
  let noiseFloorDbfs: number | null = null;
  let threshold = params.threshold;
  if (params.thresholdMode === 'adaptive') {
    noiseFloorDbfs = m.windows.rmsPercentileDbfs(params.noiseFloorPercentile);
    if (noiseFloorDbfs !== null) threshold = Math.pow(10, (noiseFloorDbfs + params.marginDb) / 20);
  }
  const reduced = m.windows.reduced(MAX_WINDOW_POINTS);
  const waveforms: AudiowaveformData[] = [m.detail.toJson(m.sampleRate), m.seconds.toJson(m.sampleRate)];
  return {
    ...base,
    container: audio.container,
    codec: audio.codec,
    decoder: audio.decoder,
    sampleRate: m.sampleRate,
    channels: m.channels,
    bitsPerSample: audio.bitsPerSample,
    frames: m.frames,
    durationSeconds: Math.round(durationSeconds * 1e6) / 1e6,
    rmsDbfs: round2(toDbfs(m.rms)),
    peakDbfs: round2(toDbfs(m.peak)),
    clippedSamples: m.clippedSamples,
    integratedLufs: round1e4(m.integratedLufs),
    maxMomentaryLufs: round1e4(m.maxMomentaryLufs),
    maxShortTermLufs: round1e4(m.maxShortTermLufs),
    noiseFloorDbfs: noiseFloorDbfs === null ? null : round2(noiseFloorDbfs),
    thresholdDbfs: round2(toDbfs(threshold)),
    params: { ...params, windowSeconds },
    loudSections: loudSections(m.windows, windowSeconds, durationSeconds, {
      threshold,
      minGapSeconds: params.minGapSeconds,
      minSectionSeconds: params.minSectionSeconds,
    }),
    waveform: m.overview.toJson(m.sampleRate),
    waveforms,
    windows: { windowSeconds: windowSeconds * reduced.factor, rmsDbfs: reduced.rmsDbfs, peakDbfs: reduced.peakDbfs },
    warnings: audio.warnings,
    detail: 'full',
  };
}

/** What goes into KV: everything but the bulky zoom levels and window series (those stay in the sidecar). */
export function summaryRecord(full: AnalysisRecord): AnalysisRecord {
  const { waveforms: _w, windows: _s, ...rest } = full;
  return full.error ? full : { ...rest, detail: 'summary' };
}

export function errorRecord(
  base: { path: string; source: string; analyzedAt: string; bytes?: number },
  code: string,
  message: string,
): AnalysisRecord {
  return { ...base, error: { code, message } };
}
