/**
 * Integrated loudness with the two gates of BS.1770-4 / EBU R128 in constant memory: every 400 ms block's
 * mean-square energy goes into a histogram of 0.01 LU bins (from −70 LUFS, the absolute gate, to +10 LUFS),
 * each bin keeping its block count and energy sum. The relative gate (−10 LU below the loudness of the
 * blocks above the absolute gate) is then applied per bin. Only a block inside the bin that straddles the
 * relative gate can be misjudged: the error is far below 0.01 LU, whatever the file length.
 */
const MIN_LUFS = -70;
const MAX_LUFS = 10;
const BIN_LU = 0.01;
const BINS = Math.round((MAX_LUFS - MIN_LUFS) / BIN_LU);

export function energyToLufs(energy: number): number {
  return -0.691 + 10 * Math.log10(energy);
}

export class LoudnessGate {
  private readonly counts = new Float64Array(BINS);
  private readonly sums = new Float64Array(BINS);

  /** Adds one 400 ms block by its channel-weighted mean square of the K-weighted signal. */
  addBlock(energy: number): void {
    if (!(energy > 0)) return;
    const lufs = energyToLufs(energy);
    if (lufs <= MIN_LUFS) return;
    let bin = Math.floor((lufs - MIN_LUFS) / BIN_LU);
    if (bin >= BINS) bin = BINS - 1;
    this.counts[bin]! += 1;
    this.sums[bin]! += energy;
  }

  /** Integrated loudness in LUFS, or null when no block is above the absolute gate (silence, or shorter than 400 ms). */
  integrated(): number | null {
    let n = 0;
    let sum = 0;
    for (let i = 0; i < BINS; i++) {
      n += this.counts[i]!;
      sum += this.sums[i]!;
    }
    if (n === 0) return null;
    const relativeGate = energyToLufs(sum / n) - 10;
    const firstBin = Math.max(0, Math.floor((relativeGate - MIN_LUFS) / BIN_LU));
    n = 0;
    sum = 0;
    for (let i = firstBin; i < BINS; i++) {
      // The straddling bin: include only if its mean block is above the gate.
      if (i === firstBin && this.counts[i]! > 0 && energyToLufs(this.sums[i]! / this.counts[i]!) < relativeGate)
        continue;
      n += this.counts[i]!;
      sum += this.sums[i]!;
    }
    return n === 0 ? null : energyToLufs(sum / n);
  }
}
