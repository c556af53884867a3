import { AudioFormats, type AudioChunkMeta, type CodecInit } from '@isr/contract';
import type { KV } from '@isr/runtime';
import type { Logger } from 'pino';
import type { LevelReport } from './level-reporter.ts';
import { LiveDecoder } from './live-decoder.ts';
import { LiveMeter } from './live-meter.ts';
import type { AnalyzerMetrics } from './metrics.ts';
import type { AnalyzerSettings } from './params.ts';
import { PcmDecoder } from './pcm-decoder.ts';

const PAIR_SECONDS = 0.05;
/** A compressed source's decoder that failed is not restarted for this long. */
const RESTART_BACKOFF_MS = 5000;

export interface LiveSourceDeps {
  codecKv: KV;
  settings: AnalyzerSettings;
  metrics: AnalyzerMetrics;
  log: Logger;
  report: LevelReport;
}

/** The codec header (Ogg, FLAC) of the chunk's source from KV isr_codec, for a decoder that starts mid-stream. */
async function codecInitOf(meta: AudioChunkMeta, deps: LiveSourceDeps): Promise<Uint8Array | undefined> {
  if (meta.format !== AudioFormats.ogg && meta.format !== AudioFormats.flac) return undefined;
  const e = await deps.codecKv.get(meta.source).catch(() => null);
  if (!e || e.operation !== 'PUT') return undefined;
  const init = e.json<CodecInit>();
  if (init.session !== meta.session)
    deps.log.debug({ source: meta.source }, 'codec header of another session: trying it');
  return Buffer.from(init.init, 'base64');
}

/**
 * One capture session of one source as the live meter follows it: PCM measured directly, anything else through
 * a long-running ffmpeg (restarted on a later chunk when it dies, not sooner than RESTART_BACKOFF_MS).
 */
export class LiveSource {
  readonly session: string;
  readonly format: string;
  readonly meter: LiveMeter;
  lastChunkMs = Date.now();
  #lastSeq = 0;
  #pcm?: PcmDecoder;
  #decoder?: LiveDecoder;
  #init?: Uint8Array;
  #failedAtMs?: number;
  readonly #deps: LiveSourceDeps;

  private constructor(meta: AudioChunkMeta, deps: LiveSourceDeps) {
    this.#deps = deps;
    this.session = meta.session;
    this.format = meta.format;
    const live = deps.settings.liveFor(meta.source);
    this.meter = new LiveMeter(
      {
        source: meta.source,
        session: meta.session,
        sampleRate: meta.sampleRate,
        channels: meta.channels,
        sessionStartMs: meta.sessionStartMs,
        deadAirThresholdDbfs: live.deadAirThresholdDbfs,
        deadAirSeconds: live.deadAirSeconds,
        intervalSeconds: deps.settings.liveIntervalSeconds,
        pairSeconds: PAIR_SECONDS,
      },
      meta.offset,
    );
  }

  /** A new session's state: a new meter (dead air is judged afresh), the codec header fetched for a decoder. */
  static async open(meta: AudioChunkMeta, deps: LiveSourceDeps): Promise<LiveSource> {
    const s = new LiveSource(meta, deps);
    if (meta.format === AudioFormats.pcm) s.#pcm = new PcmDecoder('s16', meta.channels);
    else s.#init = await codecInitOf(meta, deps);
    return s;
  }

  /** Whether a chunk belongs to this session as measured (same session, format, rate and channels). */
  matches(meta: AudioChunkMeta): boolean {
    return (
      this.session === meta.session &&
      this.format === meta.format &&
      this.meter.sampleRate === meta.sampleRate &&
      this.meter.channels === meta.channels
    );
  }

  push(meta: AudioChunkMeta, data: Uint8Array): void {
    // A chunk published twice (JetStream drops the copy, core subscribers still see it): measured once.
    if (meta.seq <= this.#lastSeq) return;
    this.#lastSeq = meta.seq;
    this.lastChunkMs = Date.now();
    if (this.#pcm) {
      this.meter.offset = meta.offset;
      const { samples, frames } = this.#pcm.decode(data);
      this.#measure(meta.source, samples, frames);
      return;
    }
    if (!this.#decoder?.alive) {
      if (this.#failedAtMs !== undefined && Date.now() - this.#failedAtMs < RESTART_BACKOFF_MS) {
        this.#deps.metrics.liveSkipped.inc({ reason: 'decoder' });
        return;
      }
      this.#decoder = this.#startDecoder(meta);
    }
    this.#decoder.write(data);
  }

  close(): void {
    this.#decoder?.close();
  }

  #measure(source: string, samples: Float32Array, frames: number): void {
    const wasDead = this.meter.deadAir;
    this.#deps.report(source, this.meter, this.meter.push(samples, frames), wasDead);
  }

  #startDecoder(meta: AudioChunkMeta): LiveDecoder {
    const { metrics, log } = this.#deps;
    const decoder: LiveDecoder = new LiveDecoder({
      ffmpeg: this.#deps.settings.ffmpeg,
      format: meta.format,
      sampleRate: meta.sampleRate,
      channels: meta.channels,
      init: this.#init,
      onPcm: (samples, frames) => this.#measure(meta.source, samples, frames),
      onExit: (code, stderr) => {
        if (this.#decoder !== decoder || code === 0) return;
        this.#failedAtMs = Date.now();
        metrics.liveSkipped.inc({ reason: 'decoder' });
        log.warn({ source: meta.source, code, stderr }, 'live decoder stopped; restarting on a later chunk');
      },
    });
    return decoder;
  }
}
