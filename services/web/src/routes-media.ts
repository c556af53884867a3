import { stat, unlink } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebDeps } from './app.ts';
import type { ClipContext } from './clip-files.ts';
import { ClipSlots } from './clip-slots.ts';
import { pcmClip } from './clip-source.ts';
import { codedClip, isFrameCuttable } from './coded-clip.ts';
import { flacWavClip } from './flac-wav-clip.ts';
import { DurationCache } from './media-duration.ts';
import { webError } from './errors.ts';
import { parseInstant, rawTail } from './query.ts';
import { clipQuerySchema, type ClipQuery } from './query-schema.ts';
import { RealPaths, resolveInRoot } from './resolve-file.ts';
import { AUDIO_EXTENSIONS, extensionOf, isRecordingPath } from './content-type.ts';
import { isValidSourceName, KEEP_MARK_SUFFIX } from '@isr/contract';
import { MANIFEST_DAY, ManifestWriter } from '@isr/runtime';
import { credentialUser } from './auth.ts';
import type { FileVerifier } from './file-verifier.ts';
import type { DeleteGuard } from './delete-guard.ts';
import { decodeUrlPath } from './safe-path.ts';
import { FileServer } from './serve-file.ts';
import { SseEvents } from './sse-hub.ts';

/** Seconds a client refused for clip_max_concurrent is asked to wait. */
export const CLIP_RETRY_AFTER_SECONDS = 2;

/** /stream/<path>, /download/<path>, DELETE /api/files/<path>, /api/clip. */
export function registerMediaRoutes(
  app: FastifyInstance,
  d: WebDeps,
  guard: DeleteGuard,
  verifier: FileVerifier,
): void {
  const files = new FileServer(d.handles);
  const manifest = d.manifest ?? new ManifestWriter();
  app.addHook('onClose', async () => files.close());
  // Range GETs of a file being played: its real path remembered, its stat reused for 250 ms while its handle is open.
  const realPaths = new RealPaths({ isOpen: (abs, ino) => files.handles.isOpen(abs, ino) });
  const fileOf = (req: FastifyRequest, prefix: string, known?: RealPaths) =>
    resolveInRoot(d.root, decodeUrlPath(rawTail(req.raw.url ?? '', prefix)), known);

  const media =
    (prefix: string, disposition: 'inline' | 'attachment') => async (req: FastifyRequest, reply: FastifyReply) => {
      const f = await fileOf(req, prefix, realPaths);
      if (!isRecordingPath(f.rel))
        throw webError(
          'notFound',
          `${f.rel} is not a recording (only <source>/…/<file>.wav|flac|mp3|aac|ogg|opus are served; analyses through /api/analyze)`,
        );
      return files.serve(req, reply, f, disposition, (n) =>
        d.metrics.streamBytes.inc({ kind: disposition === 'inline' ? 'stream' : 'download' }, n),
      );
    };
  app.route({ method: ['GET', 'HEAD'], url: '/stream/*', handler: media('/stream/', 'inline') });
  app.route({ method: ['GET', 'HEAD'], url: '/download/*', handler: media('/download/', 'attachment') });

  app.delete('/api/files/*', async (req, reply) => {
    guard.require(req, reply, 'deleting');
    const f = await fileOf(req, '/api/files/');
    const source = f.rel.slice(0, Math.max(0, f.rel.indexOf('/')));
    if (!isValidSourceName(source) || !AUDIO_EXTENSIONS.has(extensionOf(f.rel)))
      throw webError(
        'notFound',
        `${f.rel} is not a recording (only <source>/…/<file>.wav|flac|mp3|aac|ogg|opus can be deleted)`,
      );
    const rec = d.index.get(f.rel) ?? { source, path: f.rel, startMs: 0, recording: false, durationSeconds: null };
    if (d.board.isRecording(rec))
      throw webError('recording', `${f.rel} is being recorded; it can be deleted once it is closed`);
    if (
      await stat(f.abs + KEEP_MARK_SUFFIX).then(
        () => true,
        () => false,
      )
    )
      throw webError('kept', `${f.rel} is marked keep; lift the mark (DELETE /api/keep/${f.rel}) to delete it`);
    files.evict(f.abs);
    await unlink(f.abs).catch((err: NodeJS.ErrnoException) => {
      // Retention or the disk guard deleted it since it was resolved: the same answer as a file already gone.
      if (err.code === 'ENOENT') throw webError('notFound', `no such recording: ${f.rel}`, err);
      throw err;
    });
    await d.analysis
      .remove(f.rel, f.abs)
      .catch((err: unknown) => req.log.warn({ err, path: f.rel }, 'analysis of a deleted file not removed'));
    d.index.remove(f.rel);
    // A `deleted` entry continues the source's chain, so `isr verify` reports the file deleted, not missing.
    const at = new Date(d.now()).toISOString();
    const day = f.rel.split('/')[1] ?? '';
    const by = credentialUser(req.headers.authorization);
    const appended = await manifest
      .append(
        { root: d.root, source, day: MANIFEST_DAY.test(day) ? day : at.slice(0, 10) },
        { op: 'deleted', path: f.rel, reason: 'web', by, bytes: f.stat.size, at },
      )
      .then(
        () => true,
        (err: unknown) => {
          req.log.error(
            { err, path: f.rel },
            'deletion not appended to the manifest: isr verify will report the file missing',
          );
          return false;
        },
      );
    d.metrics.deletes.inc();
    req.log.info({ path: f.rel }, 'recording deleted');
    d.hub.send(SseEvents.fileDeleted, { path: f.rel });
    return reply.send({ deleted: f.rel, manifest: appended });
  });

  const clipSlots = new ClipSlots(d.clipMaxConcurrent ?? 4, (n) => d.metrics.clipsInProgress.set(n));
  const durations = new DurationCache();
  app.get<{ Querystring: ClipQuery }>('/api/clip', { schema: { querystring: clipQuerySchema } }, async (req, reply) => {
    const q = req.query;
    const source = q.source;
    const startMs = parseInstant(q.start, 'start');
    const endMs = parseInstant(q.end, 'end');
    if (startMs === undefined || endMs === undefined) throw webError('badQuery', 'source, start and end are required');
    if (endMs <= startMs) throw webError('badQuery', 'end must be after start');
    if (endMs - startMs > d.clipMaxMinutes * 60_000)
      throw webError('clipTooLong', `clips are limited to ${d.clipMaxMinutes} minutes (clip_max_minutes)`);
    const release = clipSlots.tryTake();
    if (!release) {
      reply.header('retry-after', String(CLIP_RETRY_AFTER_SECONDS));
      throw webError('clipBusy', `${clipSlots.max} clips are being cut (clip_max_concurrent); try again in a moment`);
    }
    // The slot is held until the answer is sent or the client goes away; going away also stops every read.
    const abort = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) abort.abort();
      release();
    };
    // A client gone while the request waited in the hooks closed the response before this listener.
    if (reply.raw.closed) onClose();
    else reply.raw.once('close', onClose);
    const ctx: ClipContext = {
      root: d.root,
      index: d.index,
      durations,
      signal: abort.signal,
      onRead: (n) => d.metrics.clipReadBytes.inc(n),
    };
    try {
      return await cutClip(ctx, reply, q.format, source, startMs, endMs, q.manifest === 1);
    } catch (err) {
      if (abort.signal.aborted) throw webError('clientGone', 'the client went away before the clip was cut', err);
      throw err;
    }
  });

  /** Each file of a clip with its latest manifest entry (its SHA-256 on record) and the state of the chain before it. */
  async function provenanceOf(source: string, paths: readonly string[]) {
    const out = [];
    for (const path of paths) {
      const { entry, chainBreak } = await verifier.ledger.lookup(source, path);
      out.push({
        path,
        sha256: entry?.line.op === 'closed' ? entry.line.sha256 : null,
        manifest: entry && { path: entry.manifest, entry: entry.entry, line: entry.line },
        chainBreak,
      });
    }
    return out;
  }

  /** The clip's audio with X-Isr-Clip-Files and, aligned with it, X-Isr-Clip-Sha256 (`-`: in no manifest); or with ?manifest=1 its provenance as JSON. */
  async function sendClip(
    reply: FastifyReply,
    o: {
      source: string;
      startMs: number;
      endMs: number;
      format: string;
      container: string;
      frames?: number;
      paths: string[];
      manifest: boolean;
    },
    audio: () => FastifyReply,
  ): Promise<FastifyReply> {
    const files = await provenanceOf(o.source, o.paths);
    if (o.manifest) {
      return reply.header('content-disposition', 'inline').send({
        source: o.source,
        start: new Date(o.startMs).toISOString(),
        end: new Date(o.endMs).toISOString(),
        format: o.format,
        container: o.container,
        ...(o.frames === undefined ? {} : { frames: o.frames }),
        files,
      });
    }
    reply.header('x-isr-clip-files', o.paths.map((p) => encodeURIComponent(p)).join(','));
    reply.header('x-isr-clip-sha256', files.map((f) => f.sha256 ?? '-').join(','));
    return audio();
  }

  async function cutClip(
    ctx: ClipContext,
    reply: FastifyReply,
    requested: string | undefined,
    source: string,
    startMs: number,
    endMs: number,
    manifest: boolean,
  ): Promise<FastifyReply> {
    // The container of the recording at the clip's start decides what can be cut: WAV/FLAC (PCM) give a
    // sample-accurate WAV by default; MP3/AAC/FLAC can be cut at frame boundaries in their own codec.
    const before = d.index.ofSource(source).filter((r) => r.startMs < endMs);
    const container = (before.filter((r) => r.startMs <= startMs).pop() ?? before[0])?.container;
    if (!container) throw webError('clipEmpty', `no recording of ${source} covers that time`);
    const format = requested || (container === 'wav' || container === 'flac' ? 'wav' : container);
    const stamp = new Date(startMs).toISOString().replace(/[:.]/g, '-');
    if (format === 'wav' && (container === 'wav' || container === 'flac')) {
      const clip =
        container === 'wav'
          ? await pcmClip(ctx, source, startMs, endMs)
          : await flacWavClip(ctx, source, startMs, endMs);
      return sendClip(
        reply,
        {
          source,
          startMs,
          endMs,
          format: 'wav',
          container,
          frames: clip.plan.frames,
          paths: clip.plan.pieces.map((p) => p.path),
          manifest,
        },
        () => {
          d.metrics.streamBytes.inc({ kind: 'clip' }, clip.bytes);
          return reply
            .header('content-type', 'audio/wav')
            .header('content-length', String(clip.bytes))
            .header('content-disposition', `attachment; filename="${source}_${stamp}.wav"`)
            .header('x-isr-clip-frames', String(clip.plan.frames))
            .send(clip.body());
        },
      );
    }
    if ((format === container || format === 'same') && isFrameCuttable(container)) {
      const clip = await codedClip(ctx, source, container, startMs, endMs);
      return sendClip(
        reply,
        { source, startMs, endMs, format: container, container, paths: clip.files, manifest },
        () =>
          reply
            .header('content-type', clip.contentType)
            .header('content-disposition', `attachment; filename="${source}_${stamp}.${container}"`)
            .send(clip.body()),
      );
    }
    throw webError(
      'clipUnsupported',
      `format "${format.slice(0, 20)}" is not available for ${container} recordings: use ${container === 'wav' ? 'wav' : container === 'flac' ? 'wav or flac' : container}`,
    );
  }
}
