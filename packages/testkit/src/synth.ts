import { execFileSync } from 'node:child_process';

/** The sample format of a file soxSynth writes. */
export interface SoxFormat {
  rate: number;
  channels: number;
  /** Bits per sample: 16 unless told. */
  bits?: number;
}

/**
 * Writes `path` (WAV or FLAC, by its extension) from sox's generators:
 * `sox -n -r RATE -c CHANNELS -b BITS PATH EFFECTS…`, the effects given as sox's command line spells them,
 * e.g. `soxSynth(f, { rate: 48000, channels: 2 }, 'synth 3 whitenoise vol 0.5')`. Throws with sox's complaint.
 */
export function soxSynth(path: string, format: SoxFormat, effects: string): void {
  const { rate, channels, bits = 16 } = format;
  execFileSync(
    'sox',
    ['-n', '-r', String(rate), '-c', String(channels), '-b', String(bits), path, ...effects.trim().split(/\s+/)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
}

/** A sine tone for ffmpegSine. */
export interface SineTone {
  hz: number;
  rate: number;
  seconds: number;
}

/**
 * Encodes a sine tone with ffmpeg (`-f lavfi -i sine=…`) into `out` (replaced if it exists; `-` for stdout), the
 * output options given as ffmpeg's command line spells them,
 * e.g. `ffmpegSine(f, { hz: 440, rate: 48000, seconds: 10 }, '-c:a libopus -f ogg')`.
 * Returns what ffmpeg wrote to stdout (the encoded stream when `out` is `-`).
 */
export function ffmpegSine(out: string, tone: SineTone, options: string): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${tone.hz}:sample_rate=${tone.rate}:duration=${tone.seconds}`,
      ...options.trim().split(/\s+/),
      out,
    ],
    { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}
