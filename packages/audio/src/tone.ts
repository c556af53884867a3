/**
 * The line-up tone of `type = tone` sources (pure): a sine at a whole number of Hz and a peak level in dBFS,
 * silent for the last `silenceSeconds` of every `periodSeconds`. Every sample is a function of its absolute
 * frame number (frames since the Unix epoch at the sample rate), so the phase and the silence pattern are the
 * same whoever generates them, whenever, in whatever pieces: files of different sessions show the same pattern
 * at the same clock times, and chunk boundaries never click.
 */
export interface ToneSpec {
  sampleRate: number;
  channels: number;
  /** Whole Hz below sampleRate / 2. */
  frequency: number;
  /** Peak level of the sine in dBFS (0 = a full-scale sine); −∞ (or below −150) is digital silence. */
  levelDbfs: number;
  /** Silence at the end of each period, in seconds (0 = continuous tone). */
  silenceSeconds: number;
  periodSeconds: number;
}

/** The frame number (since the epoch) of the sample at `epochMs`, rounded to the nearest frame. */
export function epochFrame(epochMs: number, sampleRate: number): number {
  return Math.round((epochMs * sampleRate) / 1000);
}

/** The silence pattern in frames: the period, and how many of its last frames are silent. */
function pattern(spec: ToneSpec): { period: number; silence: number } {
  return {
    period: Math.round(spec.periodSeconds * spec.sampleRate),
    silence: Math.round(spec.silenceSeconds * spec.sampleRate),
  };
}

function silentIn({ period, silence }: { period: number; silence: number }, frame: number): boolean {
  return silence > 0 && ((frame % period) + period) % period >= period - silence;
}

/** Is the frame with absolute number `frame` inside the silent part of its period? */
export function toneIsSilent(spec: ToneSpec, frame: number): boolean {
  return silentIn(pattern(spec), frame);
}

/** `frames` frames of interleaved s16le starting at absolute frame `firstFrame` (the same value on every channel). */
export function toneFrames(spec: ToneSpec, firstFrame: number, frames: number): Buffer {
  const { sampleRate: rate, channels, frequency } = spec;
  const out = Buffer.alloc(frames * channels * 2);
  const amplitude = spec.levelDbfs <= -150 ? 0 : 32767 * 10 ** (spec.levelDbfs / 20);
  // The phase of frame n is frac(n·f / rate); with whole f it is exactly ((n mod rate)·f mod rate) / rate,
  // which stays exact for frame numbers near 10^14 where n·f would lose precision in a double.
  const cycle = (((firstFrame % rate) + rate) % rate) * frequency;
  const p = pattern(spec); // once per call, not per sample
  for (let i = 0; i < frames; i++) {
    if (silentIn(p, firstFrame + i)) continue;
    const sample = Math.round(amplitude * Math.sin((2 * Math.PI * ((cycle + i * frequency) % rate)) / rate));
    for (let c = 0; c < channels; c++) out.writeInt16LE(sample, (i * channels + c) * 2);
  }
  return out;
}
