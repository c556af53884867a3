import { rm, writeFile } from 'node:fs/promises';
import { isValidSourceName, KEEP_MARK_SUFFIX, type KeepMark } from '@isr/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebDeps } from './app.ts';
import { credentialUser } from './auth.ts';
import { AUDIO_EXTENSIONS, extensionOf } from './content-type.ts';
import type { DeleteGuard } from './delete-guard.ts';
import { webError } from './errors.ts';
import { rawTail } from './query.ts';
import { resolveInRoot, type ResolvedFile } from './resolve-file.ts';
import { decodeUrlPath } from './safe-path.ts';
import { SseEvents } from './sse-hub.ts';

/**
 * PUT /api/keep/<path> puts a recording on hold, DELETE /api/keep/<path> lifts the hold. The mark is the
 * file `<recording>.keep` beside it (it survives restarts, travels with the recording, and the segmenter
 * sees it before each deletion); both need the DELETE credentials.
 */
export function registerKeepRoutes(app: FastifyInstance, d: WebDeps, guard: DeleteGuard): void {
  const recordingOf = async (req: FastifyRequest): Promise<ResolvedFile> => {
    const f = await resolveInRoot(d.root, decodeUrlPath(rawTail(req.raw.url ?? '', '/api/keep/')));
    const source = f.rel.slice(0, Math.max(0, f.rel.indexOf('/')));
    if (!isValidSourceName(source) || !AUDIO_EXTENSIONS.has(extensionOf(f.rel)))
      throw webError('notFound', `${f.rel} is not a recording`);
    return f;
  };
  /** A read-only recordings mount (compose's default without ISR_WEB_RECORDINGS=rw) is said in words, not a 500. */
  const writable = (err: NodeJS.ErrnoException): never => {
    if (err.code === 'EROFS' || err.code === 'EACCES' || err.code === 'EPERM')
      throw webError(
        'readOnly',
        `the web service may not write beside the recordings (${err.code}): give it a writable recordings directory to set keep marks`,
        err,
      );
    throw err;
  };
  const changed = (rel: string, keep: boolean) => {
    const rec = d.index.get(rel);
    if (rec) rec.keep = keep;
    d.hub.send(SseEvents.fileKeep, { path: rel, keep });
  };

  app.put('/api/keep/*', async (req, reply) => {
    guard.require(req, reply, 'marking recordings keep');
    const f = await recordingOf(req);
    const mark: KeepMark = {
      path: f.rel,
      since: new Date(d.now()).toISOString(),
      by: credentialUser(req.headers.authorization),
    };
    await writeFile(f.abs + KEEP_MARK_SUFFIX, JSON.stringify(mark) + '\n').catch(writable);
    changed(f.rel, true);
    req.log.info({ path: f.rel, by: mark.by }, 'recording marked keep');
    return { path: f.rel, keep: true, since: mark.since, by: mark.by };
  });

  app.delete('/api/keep/*', async (req, reply) => {
    guard.require(req, reply, 'lifting keep marks');
    const f = await recordingOf(req);
    await rm(f.abs + KEEP_MARK_SUFFIX, { force: true }).catch(writable);
    changed(f.rel, false);
    req.log.info({ path: f.rel }, 'keep mark lifted');
    return { path: f.rel, keep: false };
  });
}
