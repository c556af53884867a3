import type { RunningService, ServiceContext } from '@isr/runtime';
import { captureSettings, soundcardSources, toneSettings, toneSources } from './capture-settings.ts';
import { CaptureSource } from './capture-source.ts';
import { queryInventory } from './device-query.ts';
import { createCaptureMetrics } from './metrics.ts';
import { ToneSource } from './tone-source.ts';

/** Starts one CaptureSource per `type = soundcard` section and one ToneSource per `type = tone` section. */
export async function startCaptureAlsa(ctx: ServiceContext): Promise<RunningService> {
  const { config, log, registry, bus } = ctx;
  const metrics = createCaptureMetrics(registry);
  const common = { js: bus.js, statusKv: bus.kv.status, log, metrics };
  const sections = [...soundcardSources(config), ...toneSources(config)];
  if (sections.length === 0) log.warn({ config: config.file }, 'no [section] with type = soundcard or tone: nothing to record');
  const sources = sections.map((src) =>
    src.type === 'tone'
      ? new ToneSource({ ...common, settings: toneSettings(src) })
      : new CaptureSource({ ...common, settings: captureSettings(config, src), queryInventory }));
  for (const s of sources) s.start();
  log.info({ sources: sections.map((s) => s.name) }, 'capture-alsa started');
  return {
    health: () => ({
      ok: !bus.nc.isClosed(),
      detail: { sources: Object.fromEntries(sections.map((s, i) => [s.name, sources[i]!.state])) },
    }),
    close: async () => {
      await Promise.all(sources.map((s) => s.close(10_000)));
    },
  };
}
