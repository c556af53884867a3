/**
 * The per-window levels of a file (RMS as linear amplitude, sample peak), appended window by window into
 * chunked Float32 storage: 8 bytes per window (a 24-hour file at 100 ms: 6.9 MB), never one big reallocation.
 * Sections and the adaptive noise floor are computed from it after the pass; the record carries a copy
 * reduced to at most `maxPoints` entries.
 */
const CHUNK = 65536;

export class WindowSeries {
  private readonly rms: Float32Array[] = [];
  private readonly peak: Float32Array[] = [];
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(rms: number, peak: number): void {
    const c = this.n >>> 16;
    const i = this.n & (CHUNK - 1);
    if (i === 0) {
      this.rms.push(new Float32Array(CHUNK));
      this.peak.push(new Float32Array(CHUNK));
    }
    this.rms[c]![i] = rms;
    this.peak[c]![i] = peak;
    this.n++;
  }

  rmsAt(k: number): number {
    return this.rms[k >>> 16]![k & (CHUNK - 1)]!;
  }

  peakAt(k: number): number {
    return this.peak[k >>> 16]![k & (CHUNK - 1)]!;
  }

  /** Percentile (0–100) of the window RMS values, by a 0.1 dB histogram from −150 dBFS (constant memory). */
  rmsPercentileDbfs(percentile: number): number | null {
    if (this.n === 0) return null;
    const bins = new Uint32Array(1600);
    for (let k = 0; k < this.n; k++) {
      const db = toDbfs(this.rmsAt(k));
      const b = Math.max(0, Math.min(1599, Math.floor((db + 150) * 10)));
      bins[b]!++;
    }
    const want = Math.max(1, Math.ceil((percentile / 100) * this.n));
    let seen = 0;
    for (let b = 0; b < 1600; b++) {
      seen += bins[b]!;
      if (seen >= want) return b / 10 - 150 + 0.05;
    }
    return 10;
  }

  /**
   * Groups of `factor` windows (the smallest power of two that keeps the count ≤ maxPoints): RMS by power mean,
   * peak by max, both in dBFS rounded to 0.01 dB.
   */
  reduced(maxPoints: number): { factor: number; rmsDbfs: number[]; peakDbfs: number[] } {
    let factor = 1;
    while (Math.ceil(this.n / factor) > maxPoints) factor *= 2;
    const rmsDbfs: number[] = [];
    const peakDbfs: number[] = [];
    for (let s = 0; s < this.n; s += factor) {
      const e = Math.min(this.n, s + factor);
      let p = 0;
      let pk = 0;
      for (let k = s; k < e; k++) {
        const r = this.rmsAt(k);
        p += r * r;
        pk = Math.max(pk, this.peakAt(k));
      }
      rmsDbfs.push(round2(toDbfs(Math.sqrt(p / (e - s)))));
      peakDbfs.push(round2(toDbfs(pk)));
    }
    return { factor, rmsDbfs, peakDbfs };
  }
}

/** dBFS of a linear amplitude; digital silence is reported as −150 dBFS (JSON has no −Infinity). */
export function toDbfs(linear: number): number {
  return linear > 0 ? Math.max(-150, 20 * Math.log10(linear)) : -150;
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
