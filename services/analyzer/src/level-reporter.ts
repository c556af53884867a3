import { encodeJson, Subjects, type LiveLevel } from '@isr/contract';
import type { NatsConnection } from '@isr/runtime';
import type { Logger } from 'pino';
import type { LiveMeter } from './live-meter.ts';
import type { AnalyzerMetrics } from './metrics.ts';

/** Reports a source's new live levels: published on isr.level.<source>, the gauges, dead air starting and ending. */
export type LevelReport = (source: string, meter: LiveMeter, levels: LiveLevel[], wasDead: boolean) => void;

export interface LevelReporterDeps {
  nc: NatsConnection;
  metrics: AnalyzerMetrics;
  log: Logger;
  /** True once the follower stopped: a decoder flushing after that publishes nothing (the connection may be draining). */
  stopped: () => boolean;
}

export function createLevelReporter({ nc, metrics, log, stopped }: LevelReporterDeps): LevelReport {
  return (source, meter, levels, wasDead) => {
    if (stopped()) return;
    for (const level of levels) nc.publish(Subjects.level(source), encodeJson(level));
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
}
