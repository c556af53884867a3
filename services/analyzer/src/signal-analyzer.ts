import { channelWeights, kWeighting } from './k-weighting.ts';
import { energyToLufs, LoudnessGate } from './loudness-gate.ts';
import { WaveformLevel } from './waveform-level.ts';
import { WindowSeries } from './window-series.ts';

/** A sample at or beyond this magnitude counts as clipped (16-bit full scale, 32767/32768). */
const CLIP_LEVEL = 32767 / 32768;

/** Filter state that has decayed to (near-)subnormal values becomes 0: subnormal arithmetic is slow. */
const flush = (v: number): number => (v < 1e-30 && v > -1e-30 ? 0 : v);

export interface SignalMeasurements {
  sampleRate: number;
  channels: number;
  frames: number;
  /** Linear RMS over all samples of all channels. */
  rms: number;
  /** Largest |sample|, linear. */
  peak: number;
  clippedSamples: number;
  integratedLufs: number | null;
  maxMomentaryLufs: number | null;
  maxShortTermLufs: number | null;
  windows: WindowSeries;
  windowFrames: number;
  /** Waveform levels: overview (≤ 2000 px), ~0.1 s and ~1 s per pixel (bounded, see WaveformLevel). */
  overview: WaveformLevel;
  detail: WaveformLevel;
  seconds: WaveformLevel;
}

/**
 * One streaming pass over interleaved float samples (−1…1): per-window RMS and peak, overall RMS, sample peak,
 * clipping, K-weighted gated loudness (400 ms blocks every 100 ms) and min/max waveform pixels. Memory is
 * constant apart from the per-window series (8 bytes per window). The inner loop is one channel at a time over
 * a stretch that ends at the next window / 100 ms block / 10 ms pixel boundary, with filter state in locals.
 */
export class SignalAnalyzer {
  readonly windowFrames: number;
  private readonly tickFrames: number;
  private readonly subFrames: number;
  private readonly weights: Float64Array;
  private readonly state: Float64Array;
  private readonly coeffs: Float64Array;
  private tickLeft: number;
  private windowLeft: number;
  private subLeft: number;
  // Accumulators of the current tick / window / 100 ms sub-block.
  private tickMin = Infinity;
  private tickMax = -Infinity;
  private winSum = 0;
  private winPeak = 0;
  private winFrames = 0;
  private subEnergy = 0;
  // Last 30 sub-block energies (ring), for 400 ms momentary and 3 s short-term blocks.
  private readonly ring = new Float64Array(30);
  private subCount = 0;
  private readonly gate = new LoudnessGate();
  private maxMomentary = -Infinity;
  private maxShortTerm = -Infinity;
  // Whole file.
  private frames = 0;
  private sumSquares = 0;
  private peak = 0;
  private clipped = 0;
  private readonly windows = new WindowSeries();
  private readonly overview: WaveformLevel;
  private readonly detail: WaveformLevel;
  private readonly seconds: WaveformLevel;

  readonly sampleRate: number;
  readonly channels: number;

  constructor(sampleRate: number, channels: number, windowSeconds: number) {
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.windowFrames = Math.max(1, Math.round(windowSeconds * sampleRate));
    this.tickFrames = Math.max(1, Math.round(sampleRate / 100));
    this.subFrames = Math.max(1, Math.round(sampleRate / 10));
    this.tickLeft = this.tickFrames;
    this.windowLeft = this.windowFrames;
    this.subLeft = this.subFrames;
    this.weights = channelWeights(channels);
    this.state = new Float64Array(channels * 4);
    const k = kWeighting(sampleRate);
    this.coeffs = Float64Array.of(
      k.shelf.b0,
      k.shelf.b1,
      k.shelf.b2,
      k.shelf.a1,
      k.shelf.a2,
      k.highpass.a1,
      k.highpass.a2,
    );
    this.overview = new WaveformLevel(this.tickFrames, 1, 2000);
    this.detail = new WaveformLevel(this.tickFrames, 10, 65536);
    this.seconds = new WaveformLevel(this.tickFrames, 100, 86400);
  }

  /** Adds `frames` interleaved frames from `samples` (which may be longer). */
  push(samples: Float32Array, frames: number): void {
    let pos = 0;
    while (pos < frames) {
      const n = Math.min(frames - pos, this.tickLeft, this.windowLeft, this.subLeft);
      this.segment(samples, pos, n);
      pos += n;
      this.frames += n;
      this.winFrames += n;
      if ((this.tickLeft -= n) === 0) this.endTick();
      if ((this.windowLeft -= n) === 0) this.endWindow();
      if ((this.subLeft -= n) === 0) this.endSub();
    }
  }

  private segment(x: Float32Array, pos: number, n: number): void {
    const ch = this.channels;
    const st = this.state;
    const cf = this.coeffs;
    const b0 = cf[0]!,
      b1 = cf[1]!,
      b2 = cf[2]!,
      a1 = cf[3]!,
      a2 = cf[4]!,
      h1 = cf[5]!,
      h2 = cf[6]!;
    // Per sample: sum of squares, min, max and the two biquads; the peak follows from min/max, and clipped
    // samples are counted in a second pass only for the rare stretch that reaches full scale.
    let mn = Infinity;
    let mx = -Infinity;
    let sum = 0;
    let energy = 0;
    if (ch === 2) {
      // Stereo (the common case): both channels in one loop so the CPU overlaps their two filter recurrences.
      let z1 = st[0]!,
        z2 = st[1]!,
        w1 = st[2]!,
        w2 = st[3]!;
      let r1 = st[4]!,
        r2 = st[5]!,
        q1 = st[6]!,
        q2 = st[7]!;
      let kl = 0,
        kr = 0;
      const end = (pos + n) * 2;
      for (let i = pos * 2; i < end; i += 2) {
        const v = x[i]!;
        const u = x[i + 1]!;
        sum += v * v + u * u;
        mn = Math.min(mn, v, u);
        mx = Math.max(mx, v, u);
        const y1 = b0 * v + z1;
        const x1 = b0 * u + r1;
        z1 = b1 * v - a1 * y1 + z2;
        r1 = b1 * u - a1 * x1 + r2;
        z2 = b2 * v - a2 * y1;
        r2 = b2 * u - a2 * x1;
        const y2 = y1 + w1;
        const x2 = x1 + q1;
        w1 = -2 * y1 - h1 * y2 + w2;
        q1 = -2 * x1 - h1 * x2 + q2;
        w2 = y1 - h2 * y2;
        q2 = x1 - h2 * x2;
        kl += y2 * y2;
        kr += x2 * x2;
      }
      st[0] = flush(z1);
      st[1] = flush(z2);
      st[2] = flush(w1);
      st[3] = flush(w2);
      st[4] = flush(r1);
      st[5] = flush(r2);
      st[6] = flush(q1);
      st[7] = flush(q2);
      energy = this.weights[0]! * kl + this.weights[1]! * kr;
    } else {
      for (let c = 0; c < ch; c++) {
        let z1 = st[c * 4]!,
          z2 = st[c * 4 + 1]!,
          w1 = st[c * 4 + 2]!,
          w2 = st[c * 4 + 3]!;
        let k2 = 0;
        const end = (pos + n) * ch;
        for (let i = pos * ch + c; i < end; i += ch) {
          const v = x[i]!;
          sum += v * v;
          mn = Math.min(mn, v);
          mx = Math.max(mx, v);
          const y1 = b0 * v + z1;
          z1 = b1 * v - a1 * y1 + z2;
          z2 = b2 * v - a2 * y1;
          const y2 = y1 + w1;
          w1 = -2 * y1 - h1 * y2 + w2;
          w2 = y1 - h2 * y2;
          k2 += y2 * y2;
        }
        st[c * 4] = flush(z1);
        st[c * 4 + 1] = flush(z2);
        st[c * 4 + 2] = flush(w1);
        st[c * 4 + 3] = flush(w2);
        energy += this.weights[c]! * k2;
      }
    }
    if (mx >= CLIP_LEVEL || mn <= -CLIP_LEVEL) {
      let clips = 0;
      const end = (pos + n) * ch;
      for (let i = pos * ch; i < end; i++) if (x[i]! >= CLIP_LEVEL || x[i]! <= -CLIP_LEVEL) clips++;
      this.clipped += clips;
    }
    if (mn < this.tickMin) this.tickMin = mn;
    if (mx > this.tickMax) this.tickMax = mx;
    const pk = mx > -mn ? mx : -mn;
    if (pk > this.winPeak) this.winPeak = pk;
    this.winSum += sum;
    this.sumSquares += sum;
    this.subEnergy += energy;
  }

  private endTick(): void {
    const mn = this.tickMin,
      mx = this.tickMax;
    this.overview.push(mn, mx);
    this.detail.push(mn, mx);
    this.seconds.push(mn, mx);
    this.tickMin = Infinity;
    this.tickMax = -Infinity;
    this.tickLeft = this.tickFrames;
  }

  private endWindow(): void {
    this.windows.push(Math.sqrt(this.winSum / (this.winFrames * this.channels)), this.winPeak);
    if (this.winPeak > this.peak) this.peak = this.winPeak;
    this.winSum = 0;
    this.winPeak = 0;
    this.winFrames = 0;
    this.windowLeft = this.windowFrames;
  }

  private endSub(): void {
    this.ring[this.subCount % 30] = this.subEnergy / this.subFrames;
    this.subCount++;
    this.subEnergy = 0;
    this.subLeft = this.subFrames;
    if (this.subCount >= 4) {
      let e = 0;
      for (let j = 1; j <= 4; j++) e += this.ring[(this.subCount - j) % 30]!;
      e /= 4;
      this.gate.addBlock(e);
      if (e > 0) this.maxMomentary = Math.max(this.maxMomentary, energyToLufs(e));
    }
    if (this.subCount >= 30) {
      let e = 0;
      for (let j = 0; j < 30; j++) e += this.ring[j]!;
      e /= 30;
      if (e > 0) this.maxShortTerm = Math.max(this.maxShortTerm, energyToLufs(e));
    }
  }

  finish(): SignalMeasurements {
    if (this.tickLeft !== this.tickFrames) this.endTick();
    if (this.winFrames > 0) this.endWindow();
    const samples = this.frames * this.channels;
    return {
      sampleRate: this.sampleRate,
      channels: this.channels,
      frames: this.frames,
      rms: samples > 0 ? Math.sqrt(this.sumSquares / samples) : 0,
      peak: this.peak,
      clippedSamples: this.clipped,
      integratedLufs: this.gate.integrated(),
      maxMomentaryLufs: Number.isFinite(this.maxMomentary) ? this.maxMomentary : null,
      maxShortTermLufs: Number.isFinite(this.maxShortTerm) ? this.maxShortTerm : null,
      windows: this.windows,
      windowFrames: this.windowFrames,
      overview: this.overview,
      detail: this.detail,
      seconds: this.seconds,
    };
  }
}
