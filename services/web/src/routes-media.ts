import { unlink } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebDeps } from './app.ts';
import { authorized, deleteEnabled } from './auth.ts';
import { pcmClip } from './clip-source.ts';
import { webError } from './errors.ts';
import { parseInstant, parseSource, rawTail } from './query.ts';
import { resolveInRoot } from './resolve-file.ts';
import { decodeUrlPath } from './safe-path.ts';
import { serveFile } from './serve-file.ts';
import { SseEvents } from './sse-hub.ts';

/** /stream/<path>, /download/<path>, DELETE /api/files/<path>, /api/clip. */
export function registerMediaRoutes(app: FastifyInstance, d: WebDeps): void {
  const fileOf = (req: FastifyRequest, prefix: string) => resolveInRoot(d.root, decodeUrlPath(rawTail(req.raw.url ?? '', prefix)));

  const media = (prefix: string, disposition: 'inline' | 'attachment') => async (req: FastifyRequest, reply: FastifyReply) => {
    const f = await fileOf(req, prefix);
    return serveFile(req, reply, f, disposition, (n) => d.metrics.streamBytes.inc({ kind: disposition === 'inline' ? 'stream' : 'download' }, n));
  };
  app.route({ method: ['GET', 'HEAD'], url: '/stream/*', handler: media('/stream/', 'inline') });
  app.route({ method: ['GET', 'HEAD'], url: '/download/*', handler: media('/download/', 'attachment') });

  app.delete('/api/files/*', async (req, reply) => {
    if (!deleteEnabled(d.credentials)) throw webError('deleteDisabled', 'deleting is disabled: no web_delete_token or web_delete_user/web_delete_password is configured');
    if (!authorized(req.headers.authorization, d.credentials)) {
      reply.header('www-authenticate', 'Basic realm="isr", charset="UTF-8"');
      throw webError('unauthorized', 'credentials required to delete');
    }
    const f = await fileOf(req, '/api/files/');
    const rec = d.index.get(f.rel);
    const source = f.rel.slice(0, f.rel.indexOf('/'));
    if (d.board.isRecording(source, f.rel) ?? rec?.recording) throw webError('recording', `${f.rel} is being recorded; it can be deleted once it is closed`);
    await unlink(f.abs);
    await d.analysis.remove(f.rel, f.abs).catch((err: unknown) => req.log.warn({ err, path: f.rel }, 'analysis of a deleted file not removed'));
    d.index.remove(f.rel);
    d.metrics.deletes.inc();
    req.log.info({ path: f.rel }, 'recording deleted');
    d.hub.send(SseEvents.fileDeleted, { path: f.rel });
    return reply.send({ deleted: f.rel });
  });

  app.get('/api/clip', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const source = parseSource(q.source);
    const startMs = parseInstant(q.start, 'start');
    const endMs = parseInstant(q.end, 'end');
    if (!source || startMs === undefined || endMs === undefined) throw webError('badQuery', 'source, start and end are required');
    if (endMs <= startMs) throw webError('badQuery', 'end must be after start');
    if (endMs - startMs > d.clipMaxMinutes * 60_000) throw webError('clipTooLong', `clips are limited to ${d.clipMaxMinutes} minutes (clip_max_minutes)`);
    const format = q.format ?? 'wav';
    if (format !== 'wav') throw webError('clipUnsupported', `format "${format.slice(0, 20)}" is not supported: clips are cut from WAV recordings as WAV (format=wav)`);
    const clip = await pcmClip(d.root, d.index, source, startMs, endMs);
    const name = `${source}_${new Date(startMs).toISOString().replace(/[:.]/g, '-')}.wav`;
    d.metrics.streamBytes.inc({ kind: 'clip' }, clip.bytes);
    return reply
      .header('content-type', 'audio/wav')
      .header('content-length', String(clip.bytes))
      .header('content-disposition', `attachment; filename="${name}"`)
      .header('x-isr-clip-frames', String(clip.plan.frames))
      .header('x-isr-clip-files', clip.plan.pieces.map((p) => encodeURIComponent(p.path)).join(','))
      .send(clip.body());
  });
}
