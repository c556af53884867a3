import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { epochFrame, toneFrames, type ToneSpec } from '@isr/audio';
import { CaptureStates, timeOfFrame } from '@isr/contract';
import type { JetStreamClient, KV, LeaseFence } from '@isr/runtime';
import type { Logger } from 'pino';
import type { PcmSourceSettings } from './capture-settings.ts';
import { chunkFramesFor } from './frame-chunker.ts';
import type { CaptureMetrics } from './metrics.ts';
import { PcmOutlet, type PcmSession } from './pcm-outlet.ts';

/** The settings of one `type = tone` section. */
export interface ToneSettings extends ToneSpec, PcmSourceSettings {}

export interface ToneSourceDeps {
  settings: ToneSettings;
  js: JetStreamClient;
  statusKv: KV;
  log: Logger;
  metrics: CaptureMetrics;
  /** Wall clock (epoch ms): the tone is generated at its pace. */
  now?: () => number;
  /** The source's lease (checked before each publish), when several instances are given the source. */
  fence?: LeaseFence;
}

/**
 * When the generator is this far behind the wall clock (the machine was suspended, the process starved), the
 * time in between is a gap, recorded by starting a new session, not filled with tone that never played.
 */
const MAX_LAG_MS = 2000;

/**
 * Records one tone section: a line-up tone generated at the pace of the wall clock, chunked and published like
 * a soundcard's audio. Frames due are always computed from the wall clock since the session's first sample (not
 * by counting timer ticks), so the sample count cannot drift from real time however late the timers fire.
 */
export class ToneSource {
  private readonly s: ToneSettings;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly outlet: PcmOutlet;
  private readonly metrics: CaptureMetrics;
  private readonly stop = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(deps: ToneSourceDeps) {
    this.s = deps.settings;
    this.log = deps.log.child({ source: this.s.source });
    this.now = deps.now ?? Date.now;
    this.metrics = deps.metrics;
    this.outlet = new PcmOutlet({
      ...this.s,
      js: deps.js,
      statusKv: deps.statusKv,
      log: this.log,
      metrics: deps.metrics,
      now: this.now,
      fence: deps.fence,
    });
  }

  get state(): string {
    return this.outlet.status.state;
  }

  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      if (!this.stop.signal.aborted) this.log.error({ err }, 'tone generator failed');
    });
  }

  private async run(): Promise<void> {
    const { s } = this;
    const chunkFrames = chunkFramesFor(s.sampleRate, s.chunkMs);
    const msPerFrame = 1000 / s.sampleRate;
    while (!this.stop.signal.aborted) {
      // A session starts on a whole ms (the Isr-Session-Start header carries ms) at its first sample.
      const startMs = Math.floor(this.now());
      const session: PcmSession = { id: randomUUID(), sessionStartMs: startMs };
      const first = epochFrame(startMs, s.sampleRate);
      const slog = this.log.child({ session: session.id });
      slog.info(
        { sessionStart: new Date(startMs).toISOString(), frequency: s.frequency, levelDbfs: s.levelDbfs },
        'tone: recording',
      );
      this.outlet.status.update({
        state: CaptureStates.recording,
        session: session.id,
        message: null,
        since: new Date(startMs).toISOString(),
      });
      this.metrics.up.set(this.outlet.labels, 1);
      let offset = 0;
      while (!this.stop.signal.aborted) {
        const due = Math.floor((this.now() - startMs) / msPerFrame);
        if ((due - offset) * msPerFrame > MAX_LAG_MS) {
          slog.warn(
            { behindMs: Math.round((due - offset) * msPerFrame) },
            'tone: fell behind the wall clock (machine suspended or starved); starting a new session, the time in between is a gap',
          );
          this.metrics.restarts.inc(this.outlet.labels);
          break;
        }
        for (; offset + chunkFrames <= due; offset += chunkFrames) {
          this.outlet.push(session, { offset, frames: chunkFrames, data: toneFrames(s, first + offset, chunkFrames) });
        }
        this.metrics.drift.set(this.outlet.labels, (timeOfFrame(offset, startMs, s.sampleRate) - this.now()) / 1000);
        const nextMs = timeOfFrame(offset + chunkFrames, startMs, s.sampleRate);
        await sleep(Math.max(1, Math.ceil(nextMs - this.now())), undefined, { signal: this.stop.signal }).catch(
          () => undefined,
        );
      }
    }
  }

  /** Stops generating, publishes what is buffered (bounded), writes the final status; `lost`: see PcmOutlet.close. */
  async close(timeoutMs: number, lost = false): Promise<void> {
    this.stop.abort();
    await this.loop;
    await this.outlet.close(timeoutMs, 'capture-alsa stopped', lost);
  }
}
