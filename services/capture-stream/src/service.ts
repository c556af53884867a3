import { leaseKey, LeaseRoles } from '@isr/contract';
import {
  CaptureStatusWriter,
  LeasedRunner,
  leaseTimings,
  OrderedPublisher,
  type LeasedWork,
  type LeaseFence,
  type RunningService,
  type ServiceContext,
} from '@isr/runtime';
import { createHttpOpener } from './http-reader.ts';
import { createCaptureMetrics, type CaptureMetrics } from './metrics.ts';
import { StreamRecorder } from './recorder.ts';
import { captureStreamSettings, type StreamSource } from './stream-settings.ts';

/**
 * Starts one recorder per `type = stream` source it is given (all, or `--sources`), each only while this instance
 * holds the source's lease; another instance given the same source stands by and takes over within
 * failover_seconds (a new connection, so a new session). Each source has its own publisher queue, so one bad
 * source stops nothing else.
 */
export async function startCaptureStream(ctx: ServiceContext): Promise<RunningService> {
  const { config, log, registry, bus } = ctx;
  const metrics = createCaptureMetrics(registry);
  const { sources, failoverSeconds } = captureStreamSettings(config);
  if (sources.length === 0) log.warn({ file: config.file }, 'no type = stream sections: nothing to record');
  const http = createHttpOpener();
  let heartbeat = Date.now();
  const timer = setInterval(() => (heartbeat = Date.now()), 1000);
  const active = new Map<string, OrderedPublisher>();
  const timings = leaseTimings(failoverSeconds);
  const runners = sources.map(
    (s) =>
      new LeasedRunner({
        kv: bus.kv.leases,
        key: leaseKey(LeaseRoles.capture, s.settings.name),
        timings,
        log: log.child({ source: s.settings.name }),
        onActive: (on) => metrics.active.set({ source: s.settings.name }, on ? 1 : 0),
        start: (fence) => startSource({ ctx, source: s, fence, metrics, open: http.open, active }),
      }),
  );
  for (const r of runners) r.start();
  return {
    health: () => ({
      ok: Date.now() - heartbeat < 5000,
      detail: {
        sources: sources.map(({ settings: { name } }) => ({
          source: name,
          active: active.has(name),
          bufferedSeconds: active.get(name)?.bufferedSeconds ?? 0,
        })),
      },
    }),
    async close() {
      clearInterval(timer);
      await Promise.all(runners.map((r) => r.close()));
      await http.close().catch((err: unknown) => log.warn({ err }, 'closing HTTP connections failed'));
    },
  };
}

interface SourceStart {
  ctx: ServiceContext;
  source: StreamSource;
  fence: LeaseFence;
  metrics: CaptureMetrics;
  open: ReturnType<typeof createHttpOpener>['open'];
  active: Map<string, OrderedPublisher>;
}

/** Records one source while its lease is held: publisher, status half and recorder loop, stopped together. */
function startSource({
  ctx,
  source: { settings, bufferSeconds },
  fence,
  metrics,
  open,
  active,
}: SourceStart): LeasedWork {
  const { bus, log } = ctx;
  const abort = new AbortController();
  const labels = { source: settings.name };
  metrics.bufferDropped.inc(labels, 0);
  metrics.chunksPublished.inc(labels, 0);
  metrics.bufferedSeconds.set(labels, 0);
  const publisher = new OrderedPublisher({
    js: bus.js,
    log: log.child({ source: settings.name }),
    bufferSeconds,
    fence,
    onPublished: () => metrics.chunksPublished.inc(labels),
    onDropped: (dropped) => metrics.bufferDropped.inc(labels, dropped.length),
    onBuffered: (seconds) => metrics.bufferedSeconds.set(labels, seconds),
  });
  const status = new CaptureStatusWriter(bus.kv.status, settings.name, 'capture-stream', log, { title: null });
  const recorder = new StreamRecorder({
    settings,
    open,
    publisher,
    codecKv: bus.kv.codec,
    status,
    metrics,
    log,
    now: Date.now,
  });
  active.set(settings.name, publisher);
  const done = recorder
    .run(abort.signal)
    .catch((err: unknown) => log.fatal({ err, source: settings.name }, 'recorder loop crashed'));
  return {
    async stop(lost) {
      active.delete(settings.name);
      // Lost: the new holder owns the status key and the source's audio from now on; write nothing more.
      if (lost) status.detach();
      abort.abort();
      await done;
      await publisher.close(lost ? 0 : 5000);
      if (!lost) await status.settle(2000);
    },
  };
}
