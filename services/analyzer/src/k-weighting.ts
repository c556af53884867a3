/**
 * K-weighting of ITU-R BS.1770-4 as two biquads (a high shelf "pre-filter" and the RLB high-pass), designed
 * for any sample rate from the analogue prototypes' parameters (as libebur128 does), so 44.1 kHz, 48 kHz and
 * others all get the filter the recommendation specifies at 48 kHz.
 * https://www.itu.int/rec/R-REC-BS.1770
 */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

export interface KWeighting {
  shelf: Biquad;
  highpass: Biquad;
}

export function kWeighting(sampleRate: number): KWeighting {
  // Stage 1: high shelf, +4 dB above ~1.7 kHz (models the head).
  let f0 = 1681.974450955533;
  const gainDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = Math.pow(10, gainDb / 20);
  const vb = Math.pow(vh, 0.4996667741545416);
  let a0 = 1 + k / q + k * k;
  const shelf: Biquad = {
    b0: (vh + (vb * k) / q + k * k) / a0,
    b1: (2 * (k * k - vh)) / a0,
    b2: (vh - (vb * k) / q + k * k) / a0,
    a1: (2 * (k * k - 1)) / a0,
    a2: (1 - k / q + k * k) / a0,
  };
  // Stage 2: RLB high-pass at ~38 Hz.
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  const highpass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  return { shelf, highpass };
}

/** BS.1770 channel weights: 1.0 for front channels, 1.41 for surrounds, 0 for LFE (5.1 in WAV/FLAC order L R C LFE Ls Rs). */
export function channelWeights(channels: number): Float64Array {
  const w = new Float64Array(channels).fill(1);
  if (channels === 6) {
    w[3] = 0;
    w[4] = 1.41;
    w[5] = 1.41;
  } else if (channels === 5) {
    w[3] = 1.41;
    w[4] = 1.41;
  }
  return w;
}
