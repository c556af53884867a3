import { round2, toDbfs, type WindowSeries } from './window-series.ts';

/** A loud section, in seconds from the start of the file. */
export interface LoudSection {
  start: number;
  end: number;
  duration: number;
  /** Largest window RMS and sample peak inside the section, dBFS. */
  maxRmsDbfs: number;
  peakDbfs: number;
}

export interface SectionRules {
  /** Linear RMS (0–1) a window must exceed to count as loud. */
  threshold: number;
  /** Quiet stretches shorter than this between two loud runs are bridged. */
  minGapSeconds: number;
  /** Runs shorter than this (after bridging) are dropped. */
  minSectionSeconds: number;
}

/**
 * Loud sections from the per-window RMS: runs of windows above the threshold, merged across gaps shorter than
 * `minGapSeconds`, then dropped when shorter than `minSectionSeconds`. Times are window-accurate; the last
 * window may be partial (`totalSeconds` caps the end).
 */
export function loudSections(
  series: WindowSeries,
  windowSeconds: number,
  totalSeconds: number,
  rules: SectionRules,
): LoudSection[] {
  const runs: { s: number; e: number; rms: number; peak: number }[] = [];
  let cur: { s: number; e: number; rms: number; peak: number } | null = null;
  for (let k = 0; k < series.length; k++) {
    const r = series.rmsAt(k);
    if (r > rules.threshold) {
      const p = series.peakAt(k);
      if (cur && (k - cur.e) * windowSeconds < rules.minGapSeconds) {
        cur.e = k + 1;
        cur.rms = Math.max(cur.rms, r);
        cur.peak = Math.max(cur.peak, p);
      } else {
        if (cur) runs.push(cur);
        cur = { s: k, e: k + 1, rms: r, peak: p };
      }
    }
  }
  if (cur) runs.push(cur);
  const out: LoudSection[] = [];
  for (const run of runs) {
    const start = run.s * windowSeconds;
    const end = Math.min(totalSeconds, run.e * windowSeconds);
    if (end - start < rules.minSectionSeconds) continue;
    out.push({
      start: round3(start),
      end: round3(end),
      duration: round3(end - start),
      maxRmsDbfs: round2(toDbfs(run.rms)),
      peakDbfs: round2(toDbfs(run.peak)),
    });
  }
  return out;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
