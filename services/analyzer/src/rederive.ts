import type { AnalysisRecord } from '@isr/contract';
import type { AnalysisParams } from './params.ts';
import { loudSections } from './sections.ts';
import { round2, toDbfs, WindowSeries } from './window-series.ts';

/** The window series as the sidecar stores it (dBFS, rounded to 0.01 dB), back in linear amplitude. */
function seriesOf(w: NonNullable<AnalysisRecord['windows']>): WindowSeries {
  const s = new WindowSeries();
  for (let k = 0; k < w.rmsDbfs.length; k++)
    s.push(Math.pow(10, w.rmsDbfs[k]! / 20), Math.pow(10, (w.peakDbfs[k] ?? w.rmsDbfs[k]!) / 20));
  return s;
}

/**
 * A fixed-threshold analysis derived from a stored full record (the sidecar) without decoding the file again:
 * the loud sections are found anew from its per-window RMS series, the measurements are the stored ones.
 * Null when the series cannot give what a decode would: an error record, no series, a file that changed size
 * since, windows grouped (files longer than 36,000 windows) or of another length than `params.windowSeconds`.
 * The stored levels are rounded to 0.01 dB, so a window within 0.005 dB of the threshold may fall the other way.
 */
export function rederiveWithThreshold(
  full: AnalysisRecord,
  params: AnalysisParams,
  bytes: number,
): AnalysisRecord | null {
  const w = full.windows;
  const used = full.params?.windowSeconds;
  if (
    full.error ||
    full.detail !== 'full' ||
    !w ||
    typeof used !== 'number' ||
    typeof full.durationSeconds !== 'number' ||
    !full.sampleRate
  )
    return null;
  if (full.bytes !== bytes || w.rmsDbfs.length !== w.peakDbfs.length) return null;
  if (w.windowSeconds !== used) return null; // grouped: coarser than the analysis windows
  if (Math.abs(used - params.windowSeconds) > 1 / full.sampleRate) return null; // analyzed with another window length
  const { waveforms: _w, windows: _s, ...rest } = full;
  return {
    ...rest,
    detail: 'summary',
    noiseFloorDbfs: null,
    thresholdDbfs: round2(toDbfs(params.threshold)),
    params: { ...params, thresholdMode: 'fixed', windowSeconds: used },
    loudSections: loudSections(seriesOf(w), used, full.durationSeconds, {
      threshold: params.threshold,
      minGapSeconds: params.minGapSeconds,
      minSectionSeconds: params.minSectionSeconds,
    }),
    sectionsFrom: 'windows',
  };
}
