import fastifyStatic from '@fastify/static';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ManifestWriter, RedactedConfig } from '@isr/runtime';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { AnalysisStore } from './analysis-store.ts';
import type { Credentials } from './auth.ts';
import { DeleteGuard } from './delete-guard.ts';
import { WebError, WebErrorCodes, webError } from './errors.ts';
import type { HandleCache } from './handle-cache.ts';
import { hostAllowed } from './host-check.ts';
import { parseQueryString, queryErrorOf } from './query-schema.ts';
import type { FileIndex } from './file-index.ts';
import { registerApiRoutes } from './routes-api.ts';
import { registerKeepRoutes } from './routes-keep.ts';
import { registerMediaRoutes } from './routes-media.ts';
import { registerVerifyRoutes } from './routes-verify.ts';
import { FileVerifier } from './file-verifier.ts';
import { ManifestLedger } from './manifest-ledger.ts';
import type { SseHub } from './sse-hub.ts';
import type { StatusBoard } from './status-board.ts';
import type { WebMetrics } from './metrics.ts';

export interface WebDeps {
  /** Real path of the recordings root. */
  root: string;
  index: FileIndex;
  board: StatusBoard;
  hub: SseHub;
  analysis: AnalysisStore;
  log: Logger;
  registry: Registry;
  metrics: WebMetrics;
  credentials: Credentials;
  clipMaxMinutes: number;
  /** Clips cut at a time before /api/clip answers 429 (clip_max_concurrent; default 4). */
  clipMaxConcurrent?: number;
  /** Files /api/verify hashes at a time before it answers 429 (default 2). */
  verifyMaxConcurrent?: number;
  /** Appends a web deletion to the source's manifest (default: a ManifestWriter of its own; its lock file serialises it with the segmenters). */
  manifest?: ManifestWriter;
  /** Wrong DELETE credentials a client may send per minute before it gets 429 (web_delete_max_failures; default 10). */
  deleteMaxFailures?: number;
  /** Host header allow-list (web_allowed_hosts: `name` or `name:port`); empty or absent = any host. */
  allowedHosts?: readonly string[];
  /** Open handles of served files (default: a HandleCache with its default size and idle time). */
  handles?: HandleCache;
  /** Seed's --threshold (web_threshold): the loud-section threshold of the page when it gives none (null: the stored analysis). */
  threshold: number | null;
  /** What /api/config shows: the effective configuration, secrets redacted (absent: 404). */
  config?: RedactedConfig;
  /** Directory holding the bundled page (index.html, app.js, app.css). */
  publicDir: string;
  now: () => number;
  health: () => { ok: boolean; detail?: Record<string, unknown> };
}

/** The whole HTTP app, without listening: tests use inject(), main.ts listens. */
export async function buildApp(d: WebDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: d.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 4096, querystringParser: parseQueryString },
    schemaErrorFormatter: queryErrorOf,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof WebError) {
      if (err.status === 400 || err.status === 403 || err.status === 404) d.metrics.rejected.inc({ code: err.code });
      req.log.info({ code: err.code, url: req.url }, err.message);
      return reply.code(err.status).type('application/json').send({ error: err.message, code: err.code });
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status < 500)
      return reply
        .code(status)
        .send({ error: (err as Error).message, code: (err as { code?: string }).code ?? WebErrorCodes.badRequest[0] });
    req.log.error({ err, url: req.url }, 'request failed');
    return reply.code(500).send({ error: 'internal error', code: WebErrorCodes.internal[0] });
  });
  app.addHook('onResponse', async (req, reply) => {
    d.metrics.requests.observe(
      { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  const allowedHosts = (d.allowedHosts ?? []).map((h) => h.toLowerCase());
  app.addHook('onRequest', async (req) => {
    // Health checks and scrapes name the container or the machine, and show no recordings.
    if (req.url === '/healthz' || req.url === '/metrics') return;
    if (!hostAllowed(req.headers.host, allowedHosts))
      throw webError(
        'hostNotAllowed',
        `this archive does not answer to the host "${String(req.headers.host ?? '').slice(0, 100)}" (web_allowed_hosts)`,
      );
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    } else {
      // No page may frame anything of the archive (a media document or a JSON answer opened directly included).
      reply.header('content-security-policy', "frame-ancestors 'none'");
    }
    return payload;
  });

  await app.register(fastifyStatic, {
    root: d.publicDir,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    cacheControl: true,
    maxAge: 0,
  });
  const guard = new DeleteGuard(d.credentials, {
    maxFailures: d.deleteMaxFailures ?? 10,
    now: d.now,
    onFailure: () => d.metrics.authFailures.inc(),
  });
  const verifier = new FileVerifier(new ManifestLedger(d.root), d.verifyMaxConcurrent ?? 2);
  registerMediaRoutes(app, d, guard, verifier);
  registerApiRoutes(app, d);
  registerVerifyRoutes(app, d, verifier);
  registerKeepRoutes(app, d, guard);

  app.get('/metrics', async (_req, reply) => {
    d.metrics.recordings.set(d.index.size);
    return reply.type(d.registry.contentType).send(await d.registry.metrics());
  });
  app.get('/healthz', async (_req, reply) => {
    const h = d.health();
    return reply.code(h.ok ? 200 : 503).send({ ok: h.ok, recordings: d.index.size, ...h.detail });
  });
  return app;
}
