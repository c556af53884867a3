import { leaseKey, LeaseRoles } from '@isr/contract';
import { LeasedRunner, leaseTimings, type LeaseFence, type RunningService, type ServiceContext } from '@isr/runtime';
import { captureAlsaSettings, type AlsaSource } from './capture-settings.ts';
import { CaptureSource } from './capture-source.ts';
import { queryInventory } from './device-query.ts';
import { createCaptureMetrics } from './metrics.ts';
import { ToneSource } from './tone-source.ts';

/**
 * Records every `type = soundcard` and `type = tone` section it is given (all, or `--sources`), each only while
 * this instance holds the source's lease: another instance given the same source stands by and takes over
 * within failover_seconds. Every take-over starts a new CaptureSource/ToneSource, so a new capture session.
 */
export async function startCaptureAlsa(ctx: ServiceContext): Promise<RunningService> {
  const { config, log, registry, bus } = ctx;
  const metrics = createCaptureMetrics(registry);
  const common = { js: bus.js, statusKv: bus.kv.status, log, metrics };
  const { sources: sections, failoverSeconds } = captureAlsaSettings(config);
  if (sections.length === 0)
    log.warn({ config: config.file }, 'no [section] with type = soundcard or tone: nothing to record');
  const make = (src: AlsaSource, fence: LeaseFence) =>
    src.type === 'tone'
      ? new ToneSource({ ...common, settings: src.settings, fence })
      : new CaptureSource({ ...common, settings: src.settings, queryInventory, fence });
  const timings = leaseTimings(failoverSeconds);
  const current = new Map<string, ToneSource | CaptureSource>();
  const runners = sections.map(
    (src) =>
      new LeasedRunner({
        kv: bus.kv.leases,
        key: leaseKey(LeaseRoles.capture, src.name),
        timings,
        log: log.child({ source: src.name }),
        onActive: (active) => metrics.active.set({ source: src.name }, active ? 1 : 0),
        start: (fence) => {
          const source = make(src, fence);
          current.set(src.name, source);
          source.start();
          return {
            stop: async (lost) => {
              current.delete(src.name);
              await source.close(10_000, lost);
            },
          };
        },
      }),
  );
  for (const r of runners) r.start();
  log.info(
    { sources: sections.map((s) => s.name), failoverSeconds },
    'capture-alsa started (each source records while this instance holds its lease)',
  );
  return {
    health: () => ({
      ok: !bus.nc.isClosed(),
      detail: { sources: Object.fromEntries(sections.map((s) => [s.name, current.get(s.name)?.state ?? 'standby'])) },
    }),
    close: async () => {
      await Promise.all(runners.map((r) => r.close()));
    },
  };
}
