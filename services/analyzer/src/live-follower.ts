import { AudioFormats, decodeAudioHeaders, encodeJson, Subjects, type AudioChunkMeta, type CodecInit, type LiveLevel } from '@isr/contract';
import type { KV, NatsConnection } from '@isr/runtime';
import type { Logger } from 'pino';
import { isLiveDecodable, LiveDecoder } from './live-decoder.ts';
import { LiveMeter } from './live-meter.ts';
import type { AnalyzerMetrics } from './metrics.ts';
import type { AnalyzerSettings } from './params.ts';
import { PcmDecoder } from './pcm-decoder.ts';

const PAIR_SECONDS = 0.05;
/** A compressed source's decoder that failed is not restarted for this long. */
const RESTART_BACKOFF_MS = 5000;
/** A source without chunks for this long has its state (and decoder process) dropped. */
const IDLE_MS = 60_000;

interface SourceState {
  session: string;
  format: string;
  meter: LiveMeter;
  lastSeq: number;
  lastChunkMs: number;
  pcm?: PcmDecoder;
  decoder?: LiveDecoder;
  init?: Uint8Array;
  failedAtMs?: number;
}

export interface LiveFollowerDeps {
  nc: NatsConnection;
  codecKv: KV;
  settings: AnalyzerSettings;
  metrics: AnalyzerMetrics;
  log: Logger;
}

/**
 * Follows every source on isr.audio.* with a plain core subscription (no consumer: live levels need no replay,
 * and every replica that runs it sees every chunk) and publishes LiveLevel on isr.level.<source>. PCM is
 * measured directly; compressed sources (MP3, AAC, Ogg, FLAC) are decoded by one long-running ffmpeg each,
 * fed the session's codec header from KV isr_codec first (`analyzer_live_compressed`).
 */
export function startLiveFollower(deps: LiveFollowerDeps): { stop(): Promise<void> } {
  const sources = new Map<string, SourceState>();
  const sub = deps.nc.subscribe(Subjects.audioAll);
  const { metrics, log } = deps;

  let stopped = false;
  const report = (source: string, meter: LiveMeter, levels: LiveLevel[], wasDead: boolean) => {
    if (stopped) return; // a decoder flushing after stop(): the connection may be draining
    for (const level of levels) deps.nc.publish(Subjects.level(source), encodeJson(level));
    const last = levels[levels.length - 1];
    if (last) {
      metrics.liveRms.set({ source }, last.rmsDbfs);
      metrics.livePeak.set({ source }, last.peakDbfs);
    }
    if (last || meter.deadAir !== wasDead) metrics.deadAir.set({ source }, meter.deadAir ? 1 : 0);
    if (meter.deadAir && !wasDead) {
      metrics.deadAirEvents.inc({ source });
      log.warn({ source }, 'dead air');
    } else if (!meter.deadAir && wasDead) log.info({ source }, 'dead air ended');
  };

  const codecInit = async (meta: AudioChunkMeta): Promise<Uint8Array | undefined> => {
    if (meta.format !== AudioFormats.ogg && meta.format !== AudioFormats.flac) return undefined;
    const e = await deps.codecKv.get(meta.source).catch(() => null);
    if (!e || e.operation !== 'PUT') return undefined;
    const init = e.json<CodecInit>();
    if (init.session !== meta.session) log.debug({ source: meta.source }, 'codec header of another session: trying it');
    return Buffer.from(init.init, 'base64');
  };

  const startDecoder = (source: string, s: SourceState, meta: AudioChunkMeta) => {
    const decoder = new LiveDecoder({
      ffmpeg: deps.settings.ffmpeg,
      format: meta.format,
      sampleRate: meta.sampleRate,
      channels: meta.channels,
      init: s.init,
      onPcm: (samples, frames) => {
        const wasDead = s.meter.deadAir;
        report(source, s.meter, s.meter.push(samples, frames), wasDead);
      },
      onExit: (code, stderr) => {
        if (s.decoder !== decoder || code === 0) return;
        s.failedAtMs = Date.now();
        metrics.liveSkipped.inc({ reason: 'decoder' });
        log.warn({ source, code, stderr }, 'live decoder stopped; restarting on a later chunk');
      },
    });
    s.decoder = decoder;
  };

  const stateFor = async (meta: AudioChunkMeta): Promise<SourceState> => {
    let s = sources.get(meta.source);
    if (!s || s.session !== meta.session || s.format !== meta.format || s.meter.sampleRate !== meta.sampleRate || s.meter.channels !== meta.channels) {
      // A new capture session (reconnect, restart): a new meter; dead air is judged afresh.
      s?.decoder?.close();
      const live = deps.settings.liveFor(meta.source);
      const meter = new LiveMeter({ source: meta.source, session: meta.session, sampleRate: meta.sampleRate, channels: meta.channels, sessionStartMs: meta.sessionStartMs, deadAirThresholdDbfs: live.deadAirThresholdDbfs, deadAirSeconds: live.deadAirSeconds, intervalSeconds: deps.settings.liveIntervalSeconds, pairSeconds: PAIR_SECONDS }, meta.offset);
      s = { session: meta.session, format: meta.format, meter, lastSeq: 0, lastChunkMs: Date.now() };
      if (meta.format === AudioFormats.pcm) s.pcm = new PcmDecoder('s16', meta.channels);
      else s.init = await codecInit(meta);
      sources.set(meta.source, s);
    }
    return s;
  };

  const onChunk = async (meta: AudioChunkMeta, data: Uint8Array) => {
    const compressed = meta.format !== AudioFormats.pcm;
    if (compressed && (!deps.settings.liveCompressed || !isLiveDecodable(meta.format))) {
      metrics.liveSkipped.inc({ reason: 'compressed' });
      return;
    }
    const s = await stateFor(meta);
    // A chunk published twice (JetStream drops the copy, core subscribers still see it): measured once.
    if (meta.seq <= s.lastSeq) return;
    s.lastSeq = meta.seq;
    s.lastChunkMs = Date.now();
    if (s.pcm) {
      s.meter.offset = meta.offset;
      const { samples, frames } = s.pcm.decode(data);
      const wasDead = s.meter.deadAir;
      report(meta.source, s.meter, s.meter.push(samples, frames), wasDead);
      return;
    }
    if (!s.decoder?.alive) {
      if (s.failedAtMs !== undefined && Date.now() - s.failedAtMs < RESTART_BACKOFF_MS) {
        metrics.liveSkipped.inc({ reason: 'decoder' });
        return;
      }
      startDecoder(meta.source, s, meta);
    }
    s.decoder!.write(data);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [source, s] of sources) {
      if (now - s.lastChunkMs < IDLE_MS) continue;
      s.decoder?.close();
      sources.delete(source);
    }
  }, IDLE_MS / 2);
  sweep.unref();

  const loop = (async () => {
    for await (const msg of sub) {
      let meta: AudioChunkMeta;
      try {
        meta = decodeAudioHeaders((name) => msg.headers?.get(name) || undefined);
      } catch (err) {
        metrics.liveSkipped.inc({ reason: 'bad-headers' });
        log.debug({ err, subject: msg.subject }, 'audio chunk with bad headers skipped by the live meter');
        continue;
      }
      await onChunk(meta, msg.data).catch((err: unknown) => log.error({ err, source: meta.source }, 'live level failed'));
    }
  })();
  return {
    async stop() {
      stopped = true;
      clearInterval(sweep);
      sub.unsubscribe();
      await loop;
      for (const s of sources.values()) s.decoder?.close();
    },
  };
}
