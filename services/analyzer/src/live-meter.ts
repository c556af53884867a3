import { timeOfFrame, type LiveLevel } from '@isr/contract';
import { round2, toDbfs } from './window-series.ts';

export interface LiveMeterOptions {
  source: string;
  session: string;
  sampleRate: number;
  channels: number;
  /** Epoch ms of the session's first sample (times are counted in samples from it, never read from a clock). */
  sessionStartMs: number;
  deadAirThresholdDbfs: number;
  deadAirSeconds: number;
  /** Emit a LiveLevel every this many seconds of audio. */
  intervalSeconds: number;
  /** Seconds of audio per waveform min/max pair. */
  pairSeconds: number;
}

const SLOTS = 10;

/**
 * Live levels of one source session, driven by the audio itself: RMS and peak over the last second (ten
 * 100 ms slots), dead air (every 100 ms slot below the threshold for `deadAirSeconds` of audio), and min/max
 * pairs for the growing waveform. `push` returns the LiveLevel messages that are due.
 */
export class LiveMeter {
  private readonly o: LiveMeterOptions;
  private readonly slotFrames: number;
  private readonly pairFrames: number;
  private readonly intervalFrames: number;
  private readonly slotSum = new Float64Array(SLOTS);
  private readonly slotPeak = new Float64Array(SLOTS);
  private readonly slotLen = new Float64Array(SLOTS);
  private slot = 0;
  private cur = { sum: 0, peak: 0, n: 0 };
  private pair = { min: Infinity, max: -Infinity, n: 0 };
  private pairs: number[] = [];
  private sinceEmit = 0;
  private silentFrames = 0;
  private dead = false;
  /** Frames from the session start to just after the last sample seen. */
  offset: number;

  constructor(o: LiveMeterOptions, offset: number) {
    this.o = o;
    this.offset = offset;
    this.slotFrames = Math.max(1, Math.round(o.sampleRate / 10));
    this.pairFrames = Math.max(1, Math.round(o.sampleRate * o.pairSeconds));
    this.intervalFrames = Math.max(1, Math.round(o.sampleRate * o.intervalSeconds));
  }

  get sampleRate(): number {
    return this.o.sampleRate;
  }

  get channels(): number {
    return this.o.channels;
  }

  get deadAir(): boolean {
    return this.dead;
  }

  /** Interleaved samples (−1…1) of `frames` frames. */
  push(x: Float32Array, frames: number): LiveLevel[] {
    const ch = this.o.channels;
    const out: LiveLevel[] = [];
    for (let f = 0; f < frames; f++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let c = 0; c < ch; c++) {
        const v = x[f * ch + c]!;
        this.cur.sum += v * v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      const a = Math.max(mx, -mn);
      if (a > this.cur.peak) this.cur.peak = a;
      if (mn < this.pair.min) this.pair.min = mn;
      if (mx > this.pair.max) this.pair.max = mx;
      this.offset++;
      this.sinceEmit++;
      if (++this.pair.n === this.pairFrames) this.endPair();
      if (++this.cur.n === this.slotFrames) this.endSlot();
      if (this.sinceEmit >= this.intervalFrames && this.cur.n === 0) out.push(this.emit());
    }
    return out;
  }

  private endPair(): void {
    this.pairs.push(round4(this.pair.min), round4(this.pair.max));
    this.pair = { min: Infinity, max: -Infinity, n: 0 };
  }

  private endSlot(): void {
    const i = this.slot++ % SLOTS;
    this.slotSum[i] = this.cur.sum;
    this.slotPeak[i] = this.cur.peak;
    this.slotLen[i] = this.cur.n;
    const rmsDb = toDbfs(Math.sqrt(this.cur.sum / (this.cur.n * this.o.channels)));
    if (rmsDb < this.o.deadAirThresholdDbfs) this.silentFrames += this.cur.n;
    else this.silentFrames = 0;
    this.dead = this.silentFrames >= this.o.deadAirSeconds * this.o.sampleRate;
    this.cur = { sum: 0, peak: 0, n: 0 };
  }

  /** Level over the last second (the complete 100 ms slots). */
  private level(): { rmsDbfs: number; peakDbfs: number } {
    let sum = 0;
    let n = 0;
    let peak = 0;
    for (let i = 0; i < SLOTS; i++) {
      sum += this.slotSum[i]!;
      n += this.slotLen[i]!;
      peak = Math.max(peak, this.slotPeak[i]!);
    }
    return {
      rmsDbfs: round2(toDbfs(n > 0 ? Math.sqrt(sum / (n * this.o.channels)) : 0)),
      peakDbfs: round2(toDbfs(peak)),
    };
  }

  private emit(): LiveLevel {
    this.sinceEmit %= this.intervalFrames;
    const waveform = this.pairs;
    this.pairs = [];
    const { rmsDbfs, peakDbfs } = this.level();
    return {
      source: this.o.source,
      time: new Date(timeOfFrame(this.offset, this.o.sessionStartMs, this.o.sampleRate)).toISOString(),
      rmsDbfs,
      peakDbfs,
      silentSeconds: Math.round((this.silentFrames / this.o.sampleRate) * 10) / 10,
      deadAir: this.dead,
      waveform,
      pairSeconds: this.pairFrames / this.o.sampleRate,
      session: this.o.session,
      offset: this.offset,
      sampleRate: this.o.sampleRate,
      channels: this.o.channels,
    };
  }
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
