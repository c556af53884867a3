import { bytesPerSample, type SampleFormat } from '@isr/audio';

/**
 * Integer/float PCM bytes (little-endian, interleaved) → float samples in −1…1, incrementally: a frame split
 * across two calls is carried over. The output buffer is reused between calls (valid until the next call).
 */
export class PcmDecoder {
  private readonly sampleBytes: number;
  private readonly frameBytes: number;
  private carry: Uint8Array;
  private carryLen = 0;
  private out = new Float32Array(0);

  private readonly format: SampleFormat;
  readonly channels: number;

  constructor(format: SampleFormat, channels: number) {
    this.format = format;
    this.channels = channels;
    this.sampleBytes = bytesPerSample(format);
    this.frameBytes = this.sampleBytes * channels;
    this.carry = new Uint8Array(this.frameBytes);
  }

  /** Decodes the whole frames available; returns the samples and how many frames they are. */
  decode(bytes: Uint8Array): { samples: Float32Array; frames: number } {
    let src = bytes;
    if (this.carryLen > 0) {
      const joined = new Uint8Array(this.carryLen + bytes.length);
      joined.set(this.carry.subarray(0, this.carryLen));
      joined.set(bytes, this.carryLen);
      src = joined;
      this.carryLen = 0;
    }
    const frames = Math.floor(src.length / this.frameBytes);
    const used = frames * this.frameBytes;
    if (used < src.length) {
      this.carry.set(src.subarray(used));
      this.carryLen = src.length - used;
    }
    const n = frames * this.channels;
    if (this.out.length < n) this.out = new Float32Array(n);
    convert(this.format, src, n, this.out);
    return { samples: this.out, frames };
  }

  /** Bytes of an incomplete frame left at the end. */
  get pendingBytes(): number {
    return this.carryLen;
  }
}

function aligned(src: Uint8Array, align: number): Uint8Array {
  if (src.byteOffset % align === 0) return src;
  const copy = new Uint8Array(src.length);
  copy.set(src);
  return copy;
}

function convert(format: SampleFormat, src: Uint8Array, n: number, out: Float32Array): void {
  switch (format) {
    case 's16': {
      const a = aligned(src, 2);
      const v = new Int16Array(a.buffer, a.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = v[i]! * (1 / 32768);
      return;
    }
    case 'u8':
      for (let i = 0; i < n; i++) out[i] = (src[i]! - 128) * (1 / 128);
      return;
    case 's24':
      for (let i = 0, j = 0; i < n; i++, j += 3)
        out[i] = (((src[j]! | (src[j + 1]! << 8) | (src[j + 2]! << 16)) << 8) >> 8) * (1 / 8388608);
      return;
    case 's32': {
      const a = aligned(src, 4);
      const v = new Int32Array(a.buffer, a.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = v[i]! * (1 / 2147483648);
      return;
    }
    case 'f32': {
      const a = aligned(src, 4);
      out.set(new Float32Array(a.buffer, a.byteOffset, n));
      return;
    }
    case 'f64': {
      const a = aligned(src, 8);
      const v = new Float64Array(a.buffer, a.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = v[i]!;
      return;
    }
  }
}
