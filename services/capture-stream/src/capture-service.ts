import { CaptureStatusWriter, num, str, type RunningService, type ServiceContext } from '@isr/runtime';
import { createHttpOpener } from './http-reader.ts';
import { createCaptureMetrics } from './metrics.ts';
import { BufferedPublisher } from './publisher.ts';
import { StreamRecorder } from './recorder.ts';

/** Starts one recorder per `type = stream` source; each has its own publisher queue, so one bad source stops nothing else. */
export async function startCaptureStream(ctx: ServiceContext): Promise<RunningService> {
  const { config, log, registry, bus } = ctx;
  const metrics = createCaptureMetrics(registry);
  const abort = new AbortController();
  const sources = config.sources.filter((s) => s.type === 'stream');
  if (sources.length === 0) log.warn({ file: config.file }, 'no type = stream sections: nothing to record');
  const http = createHttpOpener();
  let heartbeat = Date.now();
  const timer = setInterval(() => (heartbeat = Date.now()), 1000);
  const running = sources.map((s) => {
    const publisher = new BufferedPublisher({ source: s.name, js: bus.js, codecKv: bus.kv.codec, log, metrics, bufferSeconds: num(s.settings, 'buffer_seconds') });
    const status = new CaptureStatusWriter(bus.kv.status, s.name, 'capture-stream', log, { title: null });
    const recorder = new StreamRecorder({
      settings: {
        name: s.name,
        url: str(s.settings, 'url'),
        stallSeconds: num(s.settings, 'stall_seconds'),
        reconnectMinSeconds: num(s.settings, 'reconnect_min_seconds'),
        reconnectMaxSeconds: num(s.settings, 'reconnect_max_seconds'),
      },
      open: http.open,
      publisher,
      status,
      metrics,
      log,
      now: Date.now,
    });
    const done = recorder.run(abort.signal).catch((err: unknown) => log.fatal({ err, source: s.name }, 'recorder loop crashed'));
    return { name: s.name, publisher, status, done };
  });
  return {
    health: () => ({ ok: Date.now() - heartbeat < 5000, detail: { sources: running.map((r) => ({ source: r.name, bufferedSeconds: r.publisher.bufferedSeconds })) } }),
    async close() {
      abort.abort();
      clearInterval(timer);
      await Promise.all(running.map((r) => r.done));
      await Promise.all(running.map((r) => r.publisher.close(5000)));
      await Promise.all(running.map((r) => r.status.settle(2000)));
      await http.close().catch((err: unknown) => log.warn({ err }, 'closing HTTP connections failed'));
    },
  };
}
