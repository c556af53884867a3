import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { analysisKey, encodeJson, parseJson, Subjects, type AnalysisRecord, type AnalyzeReply, type AnalyzeRequest } from '@isr/contract';
import type { NatsConnection } from '@isr/runtime';
import { runAnalysisJob, type JobDeps } from './analysis-job.ts';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import type { Limiter } from './limiter.ts';
import { summaryRecord } from './record.ts';
import { resolveRecording, sidecarOf, sourceOfPath } from './recording-path.ts';

/** Queue group, so that any number of replicas answer each request once. */
const ANALYZE_QUEUE = 'analyzer';

async function existing(deps: JobDeps, file: string, rel: string): Promise<AnalysisRecord | null> {
  try {
    return JSON.parse(await readFile(sidecarOf(file), 'utf8')) as AnalysisRecord;
  } catch {
    const e = await deps.kv.get(analysisKey(rel)).catch(() => null);
    return e && e.operation === 'PUT' ? e.json<AnalysisRecord>() : null;
  }
}

/**
 * Answers `isr.analyze` (AnalyzeRequest → AnalyzeReply) with the summary record (as in KV: a full record of a long
 * file can exceed NATS's 1 MB message limit; the zoom levels and window series are in the sidecar). An existing analysis is returned as is (sidecar, else KV)
 * unless `force`; otherwise the file is analysed now (sharing the concurrency limit) and stored. A `threshold`
 * different from the configured one gives a fixed-threshold analysis that is returned but not stored.
 */
export function startAnalyzeResponder(deps: JobDeps & { nc: NatsConnection }, limiter: Limiter): { stop(): Promise<void> } {
  const sub = deps.nc.subscribe(Subjects.analyze, { queue: ANALYZE_QUEUE });
  const reply = async (req: AnalyzeRequest): Promise<AnalyzeReply> => {
    const file = resolveRecording(deps.settings.outputDirectory, req.path);
    const source = sourceOfPath(req.path) ?? '';
    const configured = deps.settings.paramsFor(source);
    const override = typeof req.threshold === 'number' && (req.threshold !== configured.threshold || configured.thresholdMode !== 'fixed');
    if (override && !(req.threshold! >= 0 && req.threshold! <= 1)) throw new AnalysisError(AnalysisErrorCodes.badRequest, `threshold must be a linear level 0–1, got ${req.threshold}`);
    if (!req.force && !override) {
      const have = await existing(deps, file, req.path);
      if (have) return { ok: true, analysis: summaryRecord(have) };
    }
    if (!existsSync(file)) return { ok: false, code: AnalysisErrorCodes.notFound, error: `${req.path} does not exist` };
    const params = override ? { ...configured, thresholdMode: 'fixed' as const, threshold: req.threshold! } : undefined;
    const analysis = await limiter.run(() => runAnalysisJob(deps, req.path, { trigger: 'request', source, ...(params ? { params } : {}) }));
    return analysis.error ? { ok: false, code: analysis.error.code, error: analysis.error.message } : { ok: true, analysis: summaryRecord(analysis) };
  };
  const loop = (async () => {
    for await (const msg of sub) {
      void (async () => {
        let out: AnalyzeReply;
        try {
          let req: AnalyzeRequest;
          try {
            req = parseJson<AnalyzeRequest>(msg.data, Subjects.analyze);
          } catch (cause) {
            throw new AnalysisError(AnalysisErrorCodes.badRequest, 'the request body is not JSON ({"path": "<source>/…"})', { cause });
          }
          out = await reply(req);
        } catch (err) {
          const code = err instanceof AnalysisError ? err.code : 'ANALYZE_FAILED';
          if (!(err instanceof AnalysisError)) deps.log.error({ err }, 'isr.analyze request failed');
          out = { ok: false, code, error: err instanceof Error ? err.message : String(err) };
        }
        msg.respond(encodeJson(out));
      })();
    }
  })();
  return {
    async stop() {
      sub.unsubscribe();
      await loop;
    },
  };
}
