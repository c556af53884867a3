import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  redactedConfig,
  type IsrConfig,
  type RedactedConfig,
  type RunningService,
  type ServiceContext,
} from '@isr/runtime';
import { buildApp } from './app.ts';
import { busAnalysisStore } from './analysis-store.ts';
import { startBusFeed } from './bus-feed.ts';
import { FileIndex } from './file-index.ts';
import { scanRecordings } from './scan.ts';
import { SseEvents, SseHub } from './sse-hub.ts';
import { StatusBoard } from './status-board.ts';
import { webMetrics } from './metrics.ts';
import type { WebOptions } from './web-options.ts';

/** Where the bundled page is: dist/public next to this module (built by `npm run build -w @isr/web`). */
export const defaultPublicDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'public');

/** The configuration /api/config shows: the INI with env overrides, then the seed's flags (--dir, --port, --threshold); secrets redacted. */
function effectiveConfig(config: IsrConfig, o: WebOptions, root: string): RedactedConfig {
  const r = redactedConfig(config);
  return {
    ...r,
    general: {
      ...r.general,
      output_directory: root,
      web_port: o.port,
      ...(o.threshold !== null ? { web_threshold: o.threshold } : {}),
    },
  };
}

/** Scan, follow the bus, listen. */
export async function startWeb(
  ctx: ServiceContext,
  o: WebOptions,
  publicDir = defaultPublicDir,
): Promise<RunningService> {
  await mkdir(o.root, { recursive: true });
  const root = await realpath(o.root);
  const metrics = webMetrics(ctx.registry);
  const index = new FileIndex();
  const board = new StatusBoard();
  const hub = new SseHub((n) => metrics.sseClients.set(n), {
    maxConnections: o.sseMaxConnections,
    maxPerClient: o.sseMaxPerIp,
  });
  // An answer that comes after /api/analyze said 202 (a slow override) reaches the page as the SSE `analysis` event.
  const analysis = busAnalysisStore({
    nc: ctx.bus.nc,
    kv: ctx.bus.kv.analysis,
    waitMs: o.analyzeWaitMs,
    announce: (e) => hub.send(SseEvents.analysis, e),
  });
  if (!existsSync(join(publicDir, 'index.html')))
    ctx.log.error(
      { publicDir },
      'the archive page is not built: run `npm run build -w @isr/web` (the API works without it)',
    );
  const scanned = await scanRecordings(root, index);
  ctx.log.info({ root, recordings: scanned }, 'scanned the recordings directory');
  const feed = await startBusFeed({
    bus: ctx.bus,
    root,
    index,
    board,
    hub,
    analysis,
    log: ctx.log,
    onEvent: (kind) => metrics.events.inc({ kind }),
  });
  let caughtUp = false;
  void feed.ready.then(() => {
    caughtUp = true;
    ctx.log.info({ recordings: index.size }, 'index caught up with ISR_EVENTS');
  });
  const app = await buildApp({
    root,
    index,
    board,
    hub,
    analysis,
    log: ctx.log,
    registry: ctx.registry,
    metrics,
    credentials: o.credentials,
    deleteMaxFailures: o.deleteMaxFailures,
    allowedHosts: o.allowedHosts,
    clipMaxMinutes: o.clipMaxMinutes,
    clipMaxConcurrent: o.clipMaxConcurrent,
    threshold: o.threshold,
    config: effectiveConfig(ctx.config, o, root),
    publicDir,
    now: () => Date.now(),
    health: () => ({ ok: !ctx.bus.nc.isClosed(), detail: { nats: !ctx.bus.nc.isClosed(), indexCaughtUp: caughtUp } }),
  });
  await app.listen({ port: o.port, host: o.host });
  const addr = app.server.address();
  ctx.log.info({ port: typeof addr === 'object' && addr ? addr.port : o.port, root }, 'web archive listening');
  return {
    health: () => ({ ok: !ctx.bus.nc.isClosed() }),
    async close() {
      hub.close();
      await app.close();
      await feed.stop();
    },
  };
}
