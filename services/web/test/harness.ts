import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { tempDir } from '@isr/testkit';
import { busAnalysisStore, type AnalysisStore } from '../src/analysis-store.ts';
import { buildApp, type WebDeps } from '../src/app.ts';
import type { Credentials } from '../src/auth.ts';
import { FileIndex } from '../src/file-index.ts';
import type { HandleCache } from '../src/handle-cache.ts';
import { scanRecordings } from '../src/scan.ts';
import { SseHub } from '../src/sse-hub.ts';
import { StatusBoard } from '../src/status-board.ts';
import { webMetrics } from '../src/metrics.ts';
import { bundlePage } from '../scripts/bundle-page.ts';

export interface Harness {
  dir: string;
  root: string;
  app: FastifyInstance;
  deps: WebDeps;
  /** Base URL once listen() was called. */
  url: string;
  listen(): Promise<string>;
  /** Bytes clips have read from recordings so far (isr_web_clip_read_bytes_total, all sources). */
  clipReadBytes(): Promise<number>;
  close(): Promise<void>;
}

export async function write(root: string, rel: string, data: Uint8Array | string): Promise<string> {
  const abs = join(root, rel);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, data);
  return abs;
}

/** A bus-less web app over a temp recordings root (pre-filled by `fill`), scanned like at start-up. */
export async function harness(
  opts: {
    fill?: (root: string) => Promise<void>;
    credentials?: Credentials;
    analysis?: AnalysisStore;
    clipMaxMinutes?: number;
    clipMaxConcurrent?: number;
    deleteMaxFailures?: number;
    sse?: { maxConnections?: number; maxPerClient?: number };
    allowedHosts?: string[];
    handles?: HandleCache;
    verifyMaxConcurrent?: number;
  } = {},
): Promise<Harness> {
  const tmp = await tempDir('isr-web-');
  await mkdir(join(tmp.path, 'root'));
  const root = await realpath(join(tmp.path, 'root'));
  await opts.fill?.(root);
  const publicDir = await bundlePage();
  const registry = new Registry();
  const metrics = webMetrics(registry);
  const index = new FileIndex();
  await scanRecordings(root, index);
  const deps: WebDeps = {
    root,
    index,
    board: new StatusBoard(),
    hub: new SseHub(undefined, opts.sse),
    analysis: opts.analysis ?? busAnalysisStore({ nc: null, kv: null, waitMs: 500 }),
    log: pino({ level: 'silent' }),
    registry,
    metrics,
    credentials: opts.credentials ?? {},
    clipMaxMinutes: opts.clipMaxMinutes ?? 10,
    clipMaxConcurrent: opts.clipMaxConcurrent,
    deleteMaxFailures: opts.deleteMaxFailures,
    allowedHosts: opts.allowedHosts,
    handles: opts.handles,
    verifyMaxConcurrent: opts.verifyMaxConcurrent,
    threshold: null,
    publicDir,
    now: () => Date.now(),
    health: () => ({ ok: true }),
  };
  const app = await buildApp(deps);
  const h: Harness = {
    dir: tmp.path,
    root,
    app,
    deps,
    url: '',
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const a = app.server.address();
      h.url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
      return h.url;
    },
    async clipReadBytes() {
      return (await deps.metrics.clipReadBytes.get()).values.reduce((n, v) => n + v.value, 0);
    },
    async close() {
      deps.hub.close();
      await app.close();
      await tmp.remove();
    },
  };
  return h;
}
