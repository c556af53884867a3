import { execFileSync, spawnSync } from 'node:child_process';
import { soxSynth } from '@isr/testkit';
import type { AnalysisParams } from '../src/params.ts';

/** The configured defaults (the seed's numbers). */
export const defaultParams: AnalysisParams = {
  windowSeconds: 0.1,
  thresholdMode: 'fixed',
  threshold: 0.05,
  marginDb: 12,
  noiseFloorPercentile: 10,
  minGapSeconds: 2,
  minSectionSeconds: 0.5,
};
export const tools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

export function sox(...args: string[]): void {
  execFileSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Integrated loudness as ffmpeg's ebur128 filter reports it (one decimal). */
export function ffmpegLufs(file: string): number {
  const r = spawnSync('ffmpeg', ['-nostats', '-i', file, '-af', 'ebur128', '-f', 'null', '-'], { encoding: 'utf8' });
  const m = /Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+) LUFS/.exec(r.stderr);
  if (!m) throw new Error(`no ebur128 summary from ffmpeg:\n${r.stderr.slice(-500)}`);
  return Number(m[1]);
}

/** `sox FILE -n stats`: the Overall column's RMS and peak level in dB. */
export function soxStats(file: string): { rmsDb: number; peakDb: number } {
  const r = spawnSync('sox', [file, '-n', 'stats'], { encoding: 'utf8' });
  const num = (label: string) => {
    const m = new RegExp(`^${label}\\s+(-?[\\d.]+)`, 'm').exec(r.stderr);
    if (!m) throw new Error(`sox stats has no "${label}":\n${r.stderr}`);
    return Number(m[1]);
  };
  return { rmsDb: num('RMS lev dB'), peakDb: num('Pk lev dB') };
}

/**
 * A signal with known loud sections (1 kHz bursts in silence), 17 s:
 * 2–5 s at −6 dBFS; 9–10.5 s at −12 dBFS and 11.5–12 s at −12 dBFS (gap 1 s < min_gap → one section 9–12);
 * 15–15.3 s (shorter than min_section → dropped).
 */
export function makeBursts(file: string, rate = 48000, channels = 2): void {
  soxSynth(
    file,
    { rate, channels },
    'synth 2 sine 1000 vol 0 : synth 3 sine 1000 vol -6dB : synth 4 sine 1000 vol 0 : ' +
      'synth 1.5 sine 1000 vol -12dB : synth 1 sine 1000 vol 0 : synth 0.5 sine 1000 vol -12dB : ' +
      'synth 3 sine 1000 vol 0 : synth 0.3 sine 1000 vol -6dB : synth 1.7 sine 1000 vol 0',
  );
}
export const burstSections = [
  { start: 2, end: 5 },
  { start: 9, end: 12 },
];
