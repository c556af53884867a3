import { stat } from 'node:fs/promises';
import { analysisKey, encodeJson, parseJson, Subjects, type ForgetReply, type ForgetRequest } from '@isr/contract';
import type { KV, NatsConnection } from '@isr/runtime';
import type { Logger } from 'pino';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import { resolveRecording } from './recording-path.ts';

/** Queue group, so that any number of replicas answer each request once. */
const FORGET_QUEUE = 'analyzer';

export interface ForgetDeps {
  nc: NatsConnection;
  kv: KV;
  outputDirectory: string;
  log: Logger;
}

/**
 * Answers `isr.analyze.forget` (ForgetRequest → ForgetReply): purges a recording's record from isr_analysis, the
 * bucket only the analyzer (and the segmenter's retention) may write — the web, which deleted the file, may not.
 * Only for a file that is gone from disk, so the request cannot erase the analysis of a recording that exists.
 */
export function startForgetResponder(deps: ForgetDeps): { stop(): Promise<void> } {
  const sub = deps.nc.subscribe(Subjects.analyzeForget, { queue: FORGET_QUEUE });
  const forget = async (req: ForgetRequest): Promise<ForgetReply> => {
    const file = resolveRecording(deps.outputDirectory, req.path);
    const exists = await stat(file).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    if (exists)
      return {
        ok: false,
        code: AnalysisErrorCodes.badRequest,
        error: `${req.path} still exists; its analysis is kept`,
      };
    const key = analysisKey(req.path);
    const had = await deps.kv.get(key);
    if (!had || had.operation !== 'PUT') return { ok: true, forgotten: false };
    await deps.kv.purge(key);
    deps.log.info({ path: req.path }, 'analysis of a deleted recording purged');
    return { ok: true, forgotten: true };
  };
  const loop = (async () => {
    for await (const msg of sub) {
      let out: ForgetReply;
      try {
        let req: ForgetRequest;
        try {
          req = parseJson<ForgetRequest>(msg.data, Subjects.analyzeForget);
        } catch (cause) {
          throw new AnalysisError(
            AnalysisErrorCodes.badRequest,
            'the request body is not JSON ({"path": "<source>/…"})',
            { cause },
          );
        }
        out = await forget(req);
      } catch (err) {
        if (!(err instanceof AnalysisError)) deps.log.error({ err }, 'isr.analyze.forget request failed');
        out = {
          ok: false,
          code: err instanceof AnalysisError ? err.code : 'FORGET_FAILED',
          error: err instanceof Error ? err.message : String(err),
        };
      }
      msg.respond(encodeJson(out));
    }
  })();
  return {
    async stop() {
      sub.unsubscribe();
      await loop;
    },
  };
}
