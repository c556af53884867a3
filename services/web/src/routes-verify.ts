import { isValidSourceName } from '@isr/contract';
import type { FastifyInstance } from 'fastify';
import type { WebDeps } from './app.ts';
import { AUDIO_EXTENSIONS, extensionOf } from './content-type.ts';
import { WebError, WebErrorCodes, webError } from './errors.ts';
import { VERIFY_RETRY_AFTER_SECONDS, type FileVerifier } from './file-verifier.ts';
import { verifyQuerySchema, type VerifyQuery } from './query-schema.ts';
import { resolveInRoot, type ResolvedFile } from './resolve-file.ts';
import { checkRelativePath } from './safe-path.ts';

/** GET /api/verify?file=<path>: one recording against its source's hash-chained manifests (what `isr verify` does for all). */
export function registerVerifyRoutes(app: FastifyInstance, d: WebDeps, verifier: FileVerifier): void {
  app.get<{ Querystring: VerifyQuery }>(
    '/api/verify',
    { schema: { querystring: verifyQuerySchema } },
    async (req, reply) => {
      const rel = checkRelativePath(req.query.file);
      const source = rel.slice(0, Math.max(0, rel.indexOf('/')));
      if (!isValidSourceName(source) || !AUDIO_EXTENSIONS.has(extensionOf(rel)))
        throw webError(
          'notFound',
          `${rel} is not a recording (only <source>/…/<file>.wav|flac|mp3|aac|ogg|opus are verified)`,
        );
      // A recording gone from the disk is still answered (missing or deleted), from its manifest entry.
      const file = await resolveInRoot(d.root, rel).catch((err: unknown): ResolvedFile | null => {
        if (err instanceof WebError && err.code === WebErrorCodes.notFound[0]) return null;
        throw err;
      });
      const rec = d.index.get(rel);
      const recording = rec !== undefined && d.board.isRecording(rec);
      try {
        return await verifier.verify(source, file?.rel ?? rel, file, recording);
      } catch (err) {
        if (err instanceof WebError && err.code === WebErrorCodes.verifyBusy[0])
          reply.header('retry-after', String(VERIFY_RETRY_AFTER_SECONDS));
        throw err;
      }
    },
  );
}
