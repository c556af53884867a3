import type { AudiowaveformData } from '@isr/contract';

/**
 * One zoom level of min/max waveform data in bounded memory: fed the min/max of each 10 ms tick, it builds pixels
 * of `samplesPerPixel` frames; when the level would exceed `maxLength` pixels, neighbouring pairs are merged (min of mins, max of
 * maxes — exact) and samples_per_pixel doubles. A 24-hour file therefore costs no more memory than `maxLength`
 * pixels. Output: the BBC audiowaveform JSON layout, version 2.
 * https://github.com/bbc/audiowaveform/blob/master/doc/DataFormat.md
 */
export class WaveformLevel {
  private mins: Float32Array;
  private maxs: Float32Array;
  private length = 0;
  private spp: number;
  /** Ticks accumulated into the pixel being built; a pixel is `factor` ticks. */
  private pendingBase = 0;
  private pendingMin = Infinity;
  private pendingMax = -Infinity;
  private factor: number;

  private readonly maxLength: number;

  /** Fed one tick (of `tickFrames` frames) at a time; a pixel starts as `ticksPerPixel` ticks. */
  constructor(tickFrames: number, ticksPerPixel: number, maxLength: number) {
    this.maxLength = maxLength;
    this.factor = ticksPerPixel;
    this.spp = tickFrames * ticksPerPixel;
    this.mins = new Float32Array(maxLength);
    this.maxs = new Float32Array(maxLength);
  }

  /** Adds one tick's min and max (the last tick of a file may be shorter). */
  push(min: number, max: number): void {
    if (min < this.pendingMin) this.pendingMin = min;
    if (max > this.pendingMax) this.pendingMax = max;
    if (++this.pendingBase < this.factor) return;
    if (this.length === this.maxLength) {
      this.halve();
      if (this.pendingBase < this.factor) return;
    }
    this.mins[this.length] = this.pendingMin;
    this.maxs[this.length] = this.pendingMax;
    this.length++;
    this.pendingBase = 0;
    this.pendingMin = Infinity;
    this.pendingMax = -Infinity;
  }

  private halve(): void {
    const n = this.length >> 1;
    for (let i = 0; i < n; i++) {
      this.mins[i] = Math.min(this.mins[2 * i]!, this.mins[2 * i + 1]!);
      this.maxs[i] = Math.max(this.maxs[2 * i]!, this.maxs[2 * i + 1]!);
    }
    if (this.length & 1) {
      // An odd pixel left over becomes the start of the pending (double-size) pixel.
      this.pendingMin = Math.min(this.pendingMin, this.mins[this.length - 1]!);
      this.pendingMax = Math.max(this.pendingMax, this.maxs[this.length - 1]!);
      this.pendingBase += this.factor;
    }
    this.length = n;
    this.factor *= 2;
    this.spp *= 2;
  }

  /** The level so far, with a partial last pixel included. */
  toJson(sampleRate: number, bits: 8 | 16 = 8): AudiowaveformData {
    const scale = bits === 8 ? 128 : 32768;
    const lo = -scale;
    const hi = scale - 1;
    const q = (v: number) => Math.max(lo, Math.min(hi, Math.floor(v * scale)));
    const data: number[] = [];
    for (let i = 0; i < this.length; i++) data.push(q(this.mins[i]!), q(this.maxs[i]!));
    if (this.pendingBase > 0) data.push(q(this.pendingMin), q(this.pendingMax));
    return {
      version: 2,
      channels: 1,
      sample_rate: sampleRate,
      samples_per_pixel: this.spp,
      bits,
      length: data.length / 2,
      data,
    };
  }
}
