import { AudioFormats, decodeAudioHeaders, Subjects, type AudioChunkMeta } from '@isr/contract';
import type { KV, NatsConnection } from '@isr/runtime';
import type { Logger } from 'pino';
import { createLevelReporter } from './level-reporter.ts';
import { isLiveDecodable } from './live-decoder.ts';
import { LiveSource, type LiveSourceDeps } from './live-source.ts';
import type { AnalyzerMetrics } from './metrics.ts';
import type { AnalyzerSettings } from './params.ts';

/** A source without chunks for this long has its state (and decoder process) dropped. */
const IDLE_MS = 60_000;

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
  const { metrics, log, settings } = deps;
  const sources = new Map<string, LiveSource>();
  let stopped = false;
  const report = createLevelReporter({ nc: deps.nc, metrics, log, stopped: () => stopped });
  const sourceDeps: LiveSourceDeps = { codecKv: deps.codecKv, settings, metrics, log, report };

  const onChunk = async (meta: AudioChunkMeta, data: Uint8Array) => {
    if (meta.format !== AudioFormats.pcm && (!settings.liveCompressed || !isLiveDecodable(meta.format))) {
      metrics.liveSkipped.inc({ reason: 'compressed' });
      return;
    }
    let s = sources.get(meta.source);
    if (!s?.matches(meta)) {
      // A new capture session (reconnect, restart): a new meter; dead air is judged afresh.
      s?.close();
      s = await LiveSource.open(meta, sourceDeps);
      sources.set(meta.source, s);
    }
    s.push(meta, data);
  };

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [source, s] of sources) {
      if (now - s.lastChunkMs < IDLE_MS) continue;
      s.close();
      sources.delete(source);
    }
  }, IDLE_MS / 2);
  sweep.unref();

  const sub = deps.nc.subscribe(Subjects.audioAll);
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
      await onChunk(meta, msg.data).catch((err: unknown) =>
        log.error({ err, source: meta.source }, 'live level failed'),
      );
    }
  })();
  return {
    async stop() {
      stopped = true;
      clearInterval(sweep);
      sub.unsubscribe();
      await loop;
      for (const s of sources.values()) s.close();
    },
  };
}
