import { statfs } from 'node:fs/promises';
import type { AnalysisRecord } from '@isr/contract';
import type { FastifyInstance } from 'fastify';
import type { WebDeps } from './app.ts';
import { sectionsOf, summaryOf, waveformOf } from './analysis-view.ts';
import { deleteEnabled } from './auth.ts';
import { AUDIO_EXTENSIONS, extensionOf } from './content-type.ts';
import { webError } from './errors.ts';
import type { Recording } from './file-index.ts';
import { withSeedFields } from './seed-fields.ts';
import { parseInstant } from './query.ts';
import {
  analyzeQuerySchema,
  filesQuerySchema,
  filesResponseSchema,
  type AnalyzeQuery,
  type FilesQuery,
} from './query-schema.ts';
import { resolveInRoot } from './resolve-file.ts';
import { SSE_RETRY_AFTER_SECONDS } from './sse-hub.ts';
import { estimateStorage } from './storage-estimate.ts';

/** Whether a stored analysis found its loud sections with this fixed threshold. */
const madeWith = (r: AnalysisRecord, threshold: number): boolean =>
  r.params?.thresholdMode === 'fixed' && r.params.threshold === threshold;

/** Retry-After of a 429 from /api/analyze when the analyzer's request queue (analyze_queue_max) is full. */
const ANALYZE_RETRY_AFTER_SECONDS = 5;

/** /api/files, /api/analyze, /api/status, /api/events, /api/storage, /api/info, /api/config. */
export function registerApiRoutes(app: FastifyInstance, d: WebDeps): void {
  const view = (r: Recording): Recording => {
    const recording = d.board.isRecording(r);
    return recording === r.recording ? r : { ...r, recording, ...(recording ? { durationSeconds: null } : {}) };
  };

  app.get<{ Querystring: FilesQuery }>(
    '/api/files',
    { schema: { querystring: filesQuerySchema, response: filesResponseSchema } },
    async (req) => {
      const q = req.query;
      const page = d.index.query(
        {
          source: q.source,
          fromMs: parseInstant(q.from, 'from'),
          toMs: parseInstant(q.to, 'to'),
          offset: q.offset,
          limit: q.limit,
        },
        d.now(),
      );
      return { ...page, files: page.files.map((r) => withSeedFields(view(r))), sources: d.index.sources() };
    },
  );

  app.get('/api/info', async () => ({
    deleteEnabled: deleteEnabled(d.credentials),
    clipMaxMinutes: d.clipMaxMinutes,
    threshold: d.threshold,
  }));

  // The seed's /api/config: the effective configuration, every secret redacted (redactedConfig, by the key table).
  app.get('/api/config', async () => {
    if (!d.config) throw webError('notFound', 'this web was started without a configuration to show');
    return d.config;
  });

  app.get<{ Querystring: AnalyzeQuery }>(
    '/api/analyze',
    { schema: { querystring: analyzeQuerySchema } },
    async (req, reply) => {
      const q = req.query;
      const f = await resolveInRoot(d.root, q.file);
      // Only recordings are analyzed: asking about status.json or a note must not leave a sidecar in the tree.
      if (!AUDIO_EXTENSIONS.has(extensionOf(f.rel)))
        throw webError('notFound', `${f.rel} is not a recording (only .wav|flac|mp3|aac|ogg|opus files are analyzed)`);
      const rec = d.index.get(f.rel);
      const startMs = rec?.startMs ?? 0;
      const threshold = q.threshold;
      const answer = (record: NonNullable<Awaited<ReturnType<typeof d.analysis.get>>>, stored = true) => {
        if (rec && stored) rec.analysis = summaryOf(record); // an override's sections are not the row's
        return {
          path: f.rel,
          start: rec?.start ?? null,
          summary: summaryOf(record),
          sections: sectionsOf(record, startMs),
          waveform: waveformOf(record),
          analysis: record,
        };
      };
      if (threshold === undefined) {
        const known = await d.analysis.get(f.rel, f.abs);
        // --threshold (web_threshold) decides the sections unless the stored analysis was made with it; otherwise
        // the analyzer re-derives them from the stored window series (no decode) and the stored analysis stays.
        if (known && (d.threshold === null || madeWith(known, d.threshold))) return answer(known);
      }
      // A file still being written is analyzed when it is closed; asking now would measure half a file.
      if (rec && d.board.isRecording(rec)) {
        return reply.code(202).send({
          path: f.rel,
          pending: true,
          recording: true,
          message: 'being recorded: analyzed when closed; an "analysis" event on /api/events announces the result',
        });
      }
      const outcome = await d.analysis.request(f.rel, threshold ?? d.threshold ?? undefined);
      if (outcome.kind === 'done') return answer(outcome.record, outcome.stored);
      if (outcome.kind === 'pending')
        return reply.code(202).send({
          path: f.rel,
          pending: true,
          message: 'analysis requested; an "analysis" event on /api/events announces the result',
        });
      if (outcome.kind === 'busy') {
        const busy = webError('analyzerBusy', `the analyzer is busy with other requested analyses (${outcome.error})`);
        return reply
          .code(busy.status)
          .header('retry-after', String(ANALYZE_RETRY_AFTER_SECONDS))
          .send({ path: f.rel, error: busy.message, code: busy.code });
      }
      return reply.code(422).send({ path: f.rel, error: outcome.error, code: outcome.code });
    },
  );

  app.get('/api/status', async () => d.board.snapshot());

  app.get('/api/events', async (req, reply) => {
    const refused = d.hub.refusal(req.ip);
    if (refused) {
      reply.header('retry-after', String(SSE_RETRY_AFTER_SECONDS));
      throw refused;
    }
    reply.hijack();
    d.hub.add(reply.raw, d.board.snapshot(), req.ip);
    req.raw.on('close', () => reply.raw.end());
  });

  app.get('/api/storage', async () => {
    const s = await statfs(d.root);
    return estimateStorage(d.index.all(), { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize }, d.now());
  });
}
