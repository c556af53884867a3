import type { AnalysisRecord } from '@isr/contract';

/** The few numbers /api/files shows per recording (null when the analyzer did not report them). */
export interface AnalysisSummary {
  rmsDbfs: number | null;
  peakDbfs: number | null;
  lufs: number | null;
  loudSections: number;
  error: string | null;
}

/** A loud section, in seconds from the start of the file. */
export interface Section {
  start: number;
  end: number;
}

/** BBC audiowaveform JSON v2 (https://github.com/bbc/audiowaveform/blob/master/doc/DataFormat.md). */
export interface Waveform {
  version: number;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: number;
  length: number;
  data: number[];
}

function numberOf(rec: Record<string, unknown>, ...keys: string[]): number | null {
  for (const k of keys) {
    const v = rec[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function timeOf(v: unknown, fileStartMs: number): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (Number.isFinite(t)) return (t - fileStartMs) / 1000;
  }
  return null;
}

/**
 * The loud sections of an analysis record. The analyzer's field names are read tolerantly: an array under
 * `loudSections` / `sections` / `loud_sections`, each item with `start` and `end` (or `duration`), in seconds
 * from the file start or as ISO times.
 */
export function sectionsOf(rec: AnalysisRecord, fileStartMs: number): Section[] {
  const raw = rec.loudSections ?? rec.sections ?? rec.loud_sections;
  if (!Array.isArray(raw)) return [];
  const out: Section[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const o = item as Record<string, unknown>;
    const start = timeOf(o.start ?? o.startSeconds ?? o.offset, fileStartMs);
    let end = timeOf(o.end ?? o.endSeconds, fileStartMs);
    const dur = numberOf(o, 'duration', 'durationSeconds', 'seconds');
    if (end === null && start !== null && dur !== null) end = start + dur;
    if (start !== null && end !== null && end >= start) out.push({ start, end });
  }
  return out.sort((a, b) => a.start - b.start);
}

export function waveformOf(rec: AnalysisRecord): Waveform | null {
  const w = rec.waveform;
  if (!w || typeof w !== 'object') return null;
  const o = w as Record<string, unknown>;
  if (!Array.isArray(o.data) || typeof o.samples_per_pixel !== 'number' || typeof o.sample_rate !== 'number')
    return null;
  return {
    version: typeof o.version === 'number' ? o.version : 2,
    channels: typeof o.channels === 'number' ? o.channels : 1,
    sample_rate: o.sample_rate,
    samples_per_pixel: o.samples_per_pixel,
    bits: typeof o.bits === 'number' ? o.bits : 16,
    length: typeof o.length === 'number' ? o.length : Math.floor(o.data.length / 2),
    data: o.data.filter((x): x is number => typeof x === 'number'),
  };
}

export function summaryOf(rec: AnalysisRecord): AnalysisSummary {
  return {
    rmsDbfs: numberOf(rec, 'rmsDbfs', 'rms_dbfs', 'rmsDb', 'rms'),
    peakDbfs: numberOf(rec, 'peakDbfs', 'peak_dbfs', 'peakDb', 'peak'),
    lufs: numberOf(rec, 'integratedLufs', 'lufs', 'loudnessLufs', 'integrated_lufs'),
    loudSections: sectionsOf(rec, 0).length,
    error: rec.error ? rec.error.message : null,
  };
}
