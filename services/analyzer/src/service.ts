import { setTimeout as wait } from 'node:timers/promises';
import type { RunningService, ServiceContext } from '@isr/runtime';
import type { JobDeps } from './analysis-job.ts';
import { startAnalyzeResponder } from './analyze-responder.ts';
import { startClosedConsumer } from './closed-consumer.ts';
import { startForgetResponder } from './forget-responder.ts';
import { Limiter } from './limiter.ts';
import { startLiveFollower } from './live-follower.ts';
import { analyzerMetrics } from './metrics.ts';
import { analyzerSettings } from './params.ts';
import { runStartupScan } from './startup-scan.ts';

export interface AnalyzerOptions {
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The analyzer: closed-segment consumer, isr.analyze responder, start-up scan (in the background) and live
 * levels, sharing one concurrency limit for file analyses.
 */
export async function startAnalyzer(ctx: ServiceContext, opts: AnalyzerOptions = {}): Promise<RunningService> {
  const settings = analyzerSettings(ctx.config);
  const metrics = analyzerMetrics(ctx.registry);
  const sleep = opts.sleep ?? ((ms: number) => wait(ms));
  const deps: JobDeps = {
    settings,
    log: ctx.log,
    metrics,
    now: opts.now ?? (() => new Date()),
    kv: ctx.bus.kv.analysis,
    js: ctx.bus.js,
  };
  const limiter = new Limiter(settings.concurrency);
  const consumer = await startClosedConsumer({ ...deps, jsm: ctx.bus.jsm }, limiter, settings.concurrency);
  const responder = startAnalyzeResponder({ ...deps, nc: ctx.bus.nc }, limiter);
  const forget = startForgetResponder({
    nc: ctx.bus.nc,
    kv: ctx.bus.kv.analysis,
    outputDirectory: settings.outputDirectory,
    log: ctx.log,
  });
  const live = settings.live
    ? startLiveFollower({ nc: ctx.bus.nc, codecKv: ctx.bus.kv.codec, settings, metrics, log: ctx.log })
    : null;
  let closing = false;
  const scan = settings.startupScan ? runStartupScan(deps, limiter, sleep, () => closing) : Promise.resolve();
  ctx.log.info(
    { concurrency: settings.concurrency, live: settings.live, outputDirectory: settings.outputDirectory },
    'analyzer started',
  );
  return {
    health: () => ({ ok: !ctx.bus.nc.isClosed(), detail: { inFlight: consumer.inFlight(), queued: limiter.queued } }),
    async close() {
      closing = true;
      await consumer.stop();
      await responder.stop();
      await forget.stop();
      await live?.stop();
      await scan;
    },
  };
}
