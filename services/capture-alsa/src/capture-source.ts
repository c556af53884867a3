import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CaptureStates, timeOfFrame, type IsrError } from '@isr/contract';
import { Backoff, type CaptureStatusWriter, type JetStreamClient, type KV, type LeaseFence } from '@isr/runtime';
import type { Logger } from 'pino';
import { describeArecordExit, diagnoseStderrLine } from './arecord-diagnose.ts';
import { arecordArgs, startArecord, type ArecordProcess } from './arecord-process.ts';
import type { CaptureSettings } from './capture-settings.ts';
import { needsInventory, resolveDevice, type DeviceInventory, type ResolvedDevice } from './device-resolve.ts';
import { CaptureErrorCodes } from './errors.ts';
import { chunkFramesFor, FrameChunker } from './frame-chunker.ts';
import type { CaptureMetrics } from './metrics.ts';
import { PcmOutlet, type PcmChunk, type PcmSession } from './pcm-outlet.ts';
import { runsAhead, SampleClock } from './sample-clock.ts';

export interface CaptureSourceDeps {
  settings: CaptureSettings;
  js: JetStreamClient;
  statusKv: KV;
  log: Logger;
  metrics: CaptureMetrics;
  queryInventory(arecord: string): Promise<DeviceInventory>;
  /** Wall clock (epoch ms): anchors sessions. */
  now?: () => number;
  /** Monotonic clock (ms): measures how fast audio arrives, immune to wall-clock steps. */
  monotonic?: () => number;
  /** The source's lease (checked before each publish), when several instances are given the source. */
  fence?: LeaseFence;
}

interface SessionOutcome {
  frames: number;
  durationMs: number;
  message: string;
}

/** A session that ran this long without trouble resets the restart delay to its minimum. */
const HEALTHY_SESSION_MS = 10_000;

/**
 * Records one soundcard section: resolve the device, run arecord, cut its stdout into exact chunks,
 * time them from the session's sample clock, queue them for JetStream; restart arecord with backoff when
 * it exits, fails or stalls (each run is a new session, so the segmenter records the gap).
 */
export class CaptureSource {
  private readonly s: CaptureSettings;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly monotonic: () => number;
  private readonly outlet: PcmOutlet;
  private readonly status: CaptureStatusWriter;
  private readonly backoff: Backoff;
  private stopping = false;
  private current: ArecordProcess | null = null;
  /** Aborted by close(): ends a pause between arecord runs at once. */
  private readonly stopped = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly frameBytes: number;
  private readonly deps: CaptureSourceDeps;
  /** The metric labels of this source. */
  private readonly labels: { source: string };

  constructor(deps: CaptureSourceDeps) {
    this.deps = deps;
    this.s = deps.settings;
    this.log = deps.log.child({ source: this.s.source });
    this.now = deps.now ?? Date.now;
    this.monotonic = deps.monotonic ?? (() => performance.now());
    this.frameBytes = this.s.channels * 2;
    this.backoff = new Backoff(this.s.reconnectMinSeconds, this.s.reconnectMaxSeconds);
    this.outlet = new PcmOutlet({
      source: this.s.source,
      sampleRate: this.s.sampleRate,
      channels: this.s.channels,
      bufferSeconds: this.s.bufferSeconds,
      js: deps.js,
      statusKv: deps.statusKv,
      log: this.log,
      metrics: deps.metrics,
      now: this.now,
      fence: deps.fence,
    });
    this.status = this.outlet.status;
    this.labels = this.outlet.labels;
  }

  get state(): string {
    return this.status.state;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let device: ResolvedDevice;
      try {
        const inv = needsInventory(this.s.device)
          ? await this.deps.queryInventory(this.s.arecordPath)
          : { hardware: [], pcms: [] };
        device = resolveDevice(this.s.device, inv);
      } catch (err) {
        const e = err as IsrError;
        this.log.error({ err, code: e.code }, 'cannot resolve the ALSA device');
        this.status.update({ state: CaptureStates.error, message: e.message, session: null, since: null });
        await this.pause(this.backoff.next());
        continue;
      }
      if (this.stopping) break;
      const outcome = await this.runSession(device);
      if (this.stopping) break;
      this.deps.metrics.restarts.inc(this.labels);
      if (outcome.frames > 0 && outcome.durationMs >= HEALTHY_SESSION_MS) this.backoff.reset();
      const delay = this.backoff.next();
      this.log.warn(
        { delayMs: delay, reason: outcome.message, frames: outcome.frames },
        'arecord stopped; restarting it after a pause (new session)',
      );
      this.status.update({
        state: outcome.frames > 0 ? CaptureStates.reconnecting : CaptureStates.error,
        message: outcome.message,
      });
      await this.pause(delay);
    }
  }

  /** The pause before the next attempt; over at once when the source is closed. */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  private async runSession(device: ResolvedDevice): Promise<SessionOutcome> {
    const { s, log, deps } = this;
    const m = deps.metrics;
    const labels = this.labels;
    const session: PcmSession = { id: randomUUID(), sessionStartMs: 0 };
    const clock = new SampleClock(s.sampleRate);
    const chunker = new FrameChunker(chunkFramesFor(s.sampleRate, s.chunkMs), s.channels);
    const startedAt = this.now();
    let lastDataMono = this.monotonic();
    let received = 0;
    let lastError: string | null = null;
    let stopReason: string | null = null;
    let monoStart = 0;
    let discarding = false;
    const args = arecordArgs({ device: device.device, sampleRate: s.sampleRate, channels: s.channels });
    const slog = log.child({ session: session.id });
    slog.info({ arecord: s.arecordPath, args, device: device.label }, 'starting arecord');
    this.status.update({
      state: CaptureStates.connecting,
      session: session.id,
      message: `starting arecord -D ${device.device} (${device.label})`,
    });

    const enqueue = (c: PcmChunk) => this.outlet.push(session, c);

    const proc = startArecord(s.arecordPath, args, {
      data: (buf) => {
        const t = this.now();
        lastDataMono = this.monotonic();
        if (!clock.anchored) {
          const firstFrames = Math.floor(buf.length / this.frameBytes);
          monoStart = timeOfFrame(-firstFrames, lastDataMono, s.sampleRate);
          session.sessionStartMs = clock.anchor(t, firstFrames);
          m.up.set(labels, 1);
          slog.info({ sessionStart: new Date(session.sessionStartMs).toISOString() }, 'recording');
          this.status.update({
            state: CaptureStates.recording,
            message: null,
            since: new Date(session.sessionStartMs).toISOString(),
          });
        }
        // once this arecord is being stopped for a fatal reason, what it still delivers is not trustworthy
        if (discarding) return;
        received += buf.length;
        const elapsedMs = lastDataMono - monoStart;
        for (const c of chunker.push(buf)) {
          if (runsAhead(c.offset + c.frames, s.sampleRate, elapsedMs)) {
            stopReason = `arecord delivers audio faster than real time (${((c.offset + c.frames) / s.sampleRate).toFixed(1)} s of audio in ${(elapsedMs / 1000).toFixed(1)} s): the device does not keep time`;
            slog.error({ code: CaptureErrorCodes.tooFast }, stopReason);
            this.status.update({ message: stopReason });
            discarding = true;
            void proc.stop(100);
            break;
          }
          enqueue(c);
        }
        m.drift.set(labels, clock.driftSeconds(t, Math.floor(received / this.frameBytes)));
      },
      stderrLine: (line) => {
        const v = diagnoseStderrLine(line);
        slog[v.level]({ arecord: line }, `arecord: ${v.message}`);
        if (v.overrun) m.overruns.inc(labels);
        if (v.level === 'error' || v.level === 'warn') {
          lastError = v.message;
          if (v.level === 'error') this.status.update({ message: v.message });
        }
        if (v.fatal && !stopReason) {
          stopReason = v.message;
          discarding = true;
          void proc.stop();
        }
      },
    });
    this.current = proc;
    const watchdog = setInterval(
      () => {
        const quiet = this.monotonic() - lastDataMono;
        if (quiet >= s.stallMs && !stopReason) {
          stopReason = `arecord delivered no audio for ${(quiet / 1000).toFixed(1)} s (device gone or stalled)`;
          slog.warn({ code: CaptureErrorCodes.stalled, quietMs: quiet }, stopReason);
          void proc.stop();
        }
      },
      Math.max(100, Math.min(1000, s.stallMs / 4)),
    );
    const exit = await proc.exited;
    clearInterval(watchdog);
    this.current = null;
    const { chunk, droppedBytes } = chunker.flush();
    if (chunk && !discarding) enqueue(chunk);
    if (droppedBytes) slog.warn({ droppedBytes }, 'arecord ended inside a frame: dropped the partial frame');
    m.up.set(labels, 0);
    const message = describeArecordExit(exit, {
      arecordPath: s.arecordPath,
      stopping: this.stopping,
      stopReason,
      lastError,
    });
    if (exit.spawnError) slog.error({ code: CaptureErrorCodes.arecordMissing, err: exit.spawnError }, message);
    else
      slog.info({ code: exit.code, signal: exit.signal, frames: chunker.framesEmitted }, `arecord exited: ${message}`);
    return { frames: chunker.framesEmitted, durationMs: this.now() - startedAt, message };
  }

  /** Stops arecord, publishes what is buffered (bounded), writes the final status; `lost`: see PcmOutlet.close. */
  async close(timeoutMs: number, lost = false): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    await this.current?.stop(Math.min(1000, timeoutMs / 2));
    await this.loop;
    await this.outlet.close(timeoutMs, 'capture-alsa stopped', lost);
  }
}
