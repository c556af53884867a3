import { timeOfFrame } from '@isr/contract';

/**
 * A capture session's clock: time is counted in samples from one anchor taken at the first byte,
 * never re-read from the wall clock per chunk (pure; the wall-clock reading is passed in).
 */
export class SampleClock {
  private startMs: number | null = null;

  readonly sampleRate: number;

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
  }

  get anchored(): boolean {
    return this.startMs !== null;
  }

  /**
   * Anchors the session once, when the first bytes arrive at `nowMs`. Those `firstFrames` frames were
   * captured before they could be delivered, so the first sample's time is `nowMs - firstFrames / rate` (rounded to the ms).
   */
  anchor(nowMs: number, firstFrames: number): number {
    // whole ms: the Isr-Session-Start header carries ms, and every consumer must count from the same instant
    if (this.startMs === null) this.startMs = Math.round(timeOfFrame(-firstFrames, nowMs, this.sampleRate));
    return this.startMs;
  }

  /** Epoch ms of the session's first sample. */
  get sessionStartMs(): number {
    if (this.startMs === null) throw new Error('sample clock is not anchored yet');
    return this.startMs;
  }

  /** Epoch ms of the sample at `offset` frames. */
  timeOf(offset: number): number {
    return timeOfFrame(offset, this.sessionStartMs, this.sampleRate);
  }

  /**
   * Sample clock minus wall clock, in seconds, after `framesReceived` frames have arrived by `nowMs`:
   * positive when the device delivers faster than the wall clock (its crystal runs fast), negative when slower.
   */
  driftSeconds(nowMs: number, framesReceived: number): number {
    return (this.timeOf(framesReceived) - nowMs) / 1000;
  }
}

/**
 * Does a device deliver audio faster than real time? `elapsedMs` is monotonic time since the session's first
 * sample. Real cards differ from the wall clock by parts per million; allowing `toleranceSeconds` plus 0.1 %
 * covers delivery bursts and cheap crystals, while a source that does not keep time at all (an ALSA file
 * plugin at the end of its input repeats stale data as fast as it can) is caught within seconds of audio.
 */
export function runsAhead(
  framesReceived: number,
  sampleRate: number,
  elapsedMs: number,
  toleranceSeconds = 2,
): boolean {
  const audioSeconds = framesReceived / sampleRate;
  const elapsed = elapsedMs / 1000;
  return audioSeconds - elapsed > toleranceSeconds + 0.001 * elapsed;
}
