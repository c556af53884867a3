import { AudioFormats, decodeAudioHeaders, encodeJson, Subjects, type AudioChunkMeta } from '@isr/contract';
import type { NatsConnection } from '@isr/runtime';
import type { Logger } from 'pino';
import { LiveMeter } from './live-meter.ts';
import type { AnalyzerMetrics } from './metrics.ts';
import type { AnalyzerSettings } from './params.ts';
import { PcmDecoder } from './pcm-decoder.ts';

export const PAIR_SECONDS = 0.05;

interface SourceState {
  session: string;
  meter: LiveMeter;
  pcm: PcmDecoder;
}

/**
 * Follows every PCM source on isr.audio.* with a plain core subscription (no consumer: live levels need no
 * replay, and every replica that runs it sees every chunk) and publishes LiveLevel on isr.level.<source>.
 * Compressed chunks are counted and skipped (their files are analysed once closed).
 */
export function startLiveFollower(deps: { nc: NatsConnection; settings: AnalyzerSettings; metrics: AnalyzerMetrics; log: Logger }): { stop(): Promise<void> } {
  const sources = new Map<string, SourceState>();
  const sub = deps.nc.subscribe(Subjects.audioAll);
  const stateFor = (meta: AudioChunkMeta): SourceState => {
    let s = sources.get(meta.source);
    if (!s || s.session !== meta.session || s.meter.sampleRate !== meta.sampleRate || s.meter.channels !== meta.channels) {
      // A new capture session (reconnect, restart): a new meter; dead air is judged afresh.
      const live = deps.settings.liveFor(meta.source);
      s = {
        session: meta.session,
        pcm: new PcmDecoder('s16', meta.channels),
        meter: new LiveMeter({ source: meta.source, session: meta.session, sampleRate: meta.sampleRate, channels: meta.channels, sessionStartMs: meta.sessionStartMs, deadAirThresholdDbfs: live.deadAirThresholdDbfs, deadAirSeconds: live.deadAirSeconds, intervalSeconds: deps.settings.liveIntervalSeconds, pairSeconds: PAIR_SECONDS }, meta.offset),
      };
      sources.set(meta.source, s);
    }
    return s;
  };
  const loop = (async () => {
    for await (const msg of sub) {
      let meta: AudioChunkMeta;
      try {
        meta = decodeAudioHeaders((name) => msg.headers?.get(name) || undefined);
      } catch (err) {
        deps.metrics.liveSkipped.inc({ reason: 'bad-headers' });
        deps.log.debug({ err, subject: msg.subject }, 'audio chunk with bad headers skipped by the live meter');
        continue;
      }
      if (meta.format !== AudioFormats.pcm) {
        deps.metrics.liveSkipped.inc({ reason: 'compressed' });
        continue;
      }
      const s = stateFor(meta);
      // A chunk published twice (JetStream drops the copy, core subscribers still see it): measured once.
      if (meta.offset < s.meter.offset) continue;
      s.meter.offset = meta.offset;
      const { samples, frames } = s.pcm.decode(msg.data);
      const wasDead = s.meter.deadAir;
      const levels = s.meter.push(samples, frames);
      for (const level of levels) deps.nc.publish(Subjects.level(meta.source), encodeJson(level));
      const last = levels[levels.length - 1];
      if (last) {
        deps.metrics.liveRms.set({ source: meta.source }, last.rmsDbfs);
        deps.metrics.livePeak.set({ source: meta.source }, last.peakDbfs);
      }
      if (last || s.meter.deadAir !== wasDead) deps.metrics.deadAir.set({ source: meta.source }, s.meter.deadAir ? 1 : 0);
      if (s.meter.deadAir && !wasDead) {
        deps.metrics.deadAirEvents.inc({ source: meta.source });
        deps.log.warn({ source: meta.source }, 'dead air');
      } else if (!s.meter.deadAir && wasDead) deps.log.info({ source: meta.source }, 'dead air ended');
    }
  })();
  return {
    async stop() {
      sub.unsubscribe();
      await loop;
    },
  };
}
