import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { SegmentClosedEvent } from '@isr/contract';
import { connectBus, createRegistry, parseConfig, provisionBus, type Bus, type RunningService } from '@isr/runtime';
import { startNatsServer, tempDir, type NatsServerHandle } from '@isr/testkit';
import pino from 'pino';
import type { Registry } from 'prom-client';
import { startAnalyzer } from '../src/service.ts';

const log = pino({ level: 'silent' });

/**
 * One nats-server and one temp directory for the tests of a file: started (then `setup` run in the directory) before
 * them, removed after. One hook, because root-level hooks of node:test do not wait for each other.
 */
export function serverAndDir(
  prefix: string,
  setup?: (dir: string) => void,
): { readonly server: NatsServerHandle; readonly dir: string } {
  let server: NatsServerHandle | undefined;
  let tmp: { path: string; remove(): Promise<void> } | undefined;
  before(async () => {
    server = await startNatsServer();
    tmp = await tempDir(prefix);
    setup?.(tmp.path);
  });
  after(async () => {
    await server?.stop();
    await tmp?.remove();
  });
  return {
    get server() {
      return server!;
    },
    get dir() {
      return tmp!.path;
    },
  };
}

export interface Instance {
  bus: Bus;
  registry: Registry;
  running: RunningService;
  stop(): Promise<void>;
}

/** An in-process analyzer on `server` with output_directory `out` (sources: [quiet] with threshold 0.9). */
export async function startInstance(server: NatsServerHandle, out: string, extra = ''): Promise<Instance> {
  const text = `[general]\noutput_directory = ${out}\nanalyzer_concurrency = 1\ndead_air_seconds = 1\n${extra}\n[quiet]\ntype = stream\nurl = http://127.0.0.1:1/q\nthreshold = 0.9\n`;
  const config = parseConfig(text, { service: 'analyzer', file: 'test.ini', env: { NATS_URL: server.url } });
  const nc = await connectBus(config, 'test-analyzer', log);
  const bus = await provisionBus(nc, config);
  const registry = createRegistry('analyzer');
  const running = await startAnalyzer({ config, log, registry, bus });
  return {
    bus,
    registry,
    running,
    async stop() {
      await running.close();
      await nc.drain();
    },
  };
}

/** Copies `fixture` to `<out>/<rel>`. */
export async function recording(fixture: string, out: string, rel: string): Promise<string> {
  const abs = join(out, rel);
  await mkdir(join(abs, '..'), { recursive: true });
  await copyFile(fixture, abs);
  return abs;
}

export function closedEvent(source: string, path: string): SegmentClosedEvent {
  return {
    source,
    path,
    start: '2026-11-24T05:00:00.000Z',
    startLocal: '2026-11-24T06:00:00.000+01:00',
    end: '2026-11-24T05:00:17.000Z',
    format: 'pcm',
    codec: 'pcm_s16le',
    container: 'wav',
    sampleRate: 16000,
    channels: 1,
    session: 's1',
    gaps: [],
    durationSeconds: 17,
    frames: 17 * 16000,
    bytes: 0,
    reason: 'split',
  };
}

/** Sum of a metric's values whose labels include `labels`. */
export async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  return (m?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))
    .reduce((sum, v) => sum + v.value, 0);
}
