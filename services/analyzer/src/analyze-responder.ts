import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import {
  analysisKey,
  encodeJson,
  parseJson,
  Subjects,
  type AnalysisRecord,
  type AnalyzeReply,
  type AnalyzeRequest,
} from '@isr/contract';
import type { NatsConnection } from '@isr/runtime';
import { runAnalysisJob, type JobDeps } from './analysis-job.ts';
import { AnalysisError, AnalysisErrorCodes } from './errors.ts';
import type { Limiter } from './limiter.ts';
import type { AnalysisParams } from './params.ts';
import { rederiveWithThreshold } from './rederive.ts';
import { summaryRecord } from './record.ts';
import { isRecordingName, resolveRecording, sidecarOf, sourceOfPath } from './recording-path.ts';
import { RequestQueue } from './request-queue.ts';

/** Queue group, so that any number of replicas answer each request once. */
const ANALYZE_QUEUE = 'analyzer';

async function readSidecar(file: string): Promise<AnalysisRecord | null> {
  try {
    return JSON.parse(await readFile(sidecarOf(file), 'utf8')) as AnalysisRecord;
  } catch {
    return null;
  }
}

async function existing(deps: JobDeps, file: string, rel: string): Promise<AnalysisRecord | null> {
  const side = await readSidecar(file);
  if (side) return side;
  const e = await deps.kv.get(analysisKey(rel)).catch(() => null);
  return e && e.operation === 'PUT' ? e.json<AnalysisRecord>() : null;
}

type Outcome = 'stored' | 'rederived' | 'decoded' | 'shared' | 'busy' | 'refused' | 'failed';

/**
 * Answers `isr.analyze` (AnalyzeRequest → AnalyzeReply) with the summary record (as in KV: a full record of a long
 * file can exceed NATS's 1 MB message limit; the zoom levels and window series are in the sidecar).
 *
 * - A path that is no recording (not an audio file name, or outside the root) is refused; nothing is written.
 * - An existing analysis (sidecar, else KV) is returned as is unless `force`.
 * - A `threshold` other than the configured one (a fixed-threshold override) is re-derived from the sidecar's
 *   window series when it can be (no decode); else the file is decoded with that threshold. Either way the result
 *   is returned, not stored.
 * - Whatever needs work goes through a bounded RequestQueue (analyze_queue_max; beyond it ANALYZER_BUSY at once;
 *   identical requests in flight share one job), and a decode waits for a Limiter slot behind newly closed files.
 */
export function startAnalyzeResponder(
  deps: JobDeps & { nc: NatsConnection },
  limiter: Limiter,
): { stop(): Promise<void> } {
  const sub = deps.nc.subscribe(Subjects.analyze, { queue: ANALYZE_QUEUE });
  const queue = new RequestQueue(deps.settings.analyzeQueueMax, (n) => deps.metrics.requestQueue.set(n));
  const count = (outcome: Outcome) => deps.metrics.requests.inc({ outcome });

  const decode = (rel: string, source: string, params?: AnalysisParams) =>
    limiter.run(
      () => runAnalysisJob(deps, rel, { trigger: 'request', source, ...(params ? { params } : {}) }),
      'request',
    );

  /** A fixed-threshold analysis: from the stored window series when possible, else a decode. */
  const override = async (
    file: string,
    rel: string,
    source: string,
    params: AnalysisParams,
  ): Promise<{ record: AnalysisRecord; outcome: Outcome }> => {
    const [side, st] = await Promise.all([readSidecar(file), stat(file).catch(() => null)]);
    const derived = side && st ? rederiveWithThreshold(side, params, st.size) : null;
    if (derived) return { record: derived, outcome: 'rederived' };
    return { record: await decode(rel, source, params), outcome: 'decoded' };
  };

  const reply = async (req: AnalyzeRequest): Promise<AnalyzeReply> => {
    if (!req || typeof req.path !== 'string')
      throw new AnalysisError(AnalysisErrorCodes.badRequest, 'the request needs a path ({"path": "<source>/…"})');
    const file = resolveRecording(deps.settings.outputDirectory, req.path);
    if (!isRecordingName(req.path))
      throw new AnalysisError(
        AnalysisErrorCodes.notAudio,
        `${req.path} is not a recording (only audio files are analyzed)`,
      );
    const source = sourceOfPath(req.path) ?? '';
    const configured = deps.settings.paramsFor(source);
    const isOverride =
      typeof req.threshold === 'number' &&
      (req.threshold !== configured.threshold || configured.thresholdMode !== 'fixed');
    if (isOverride && !(req.threshold! >= 0 && req.threshold! <= 1))
      throw new AnalysisError(
        AnalysisErrorCodes.badRequest,
        `threshold must be a linear level 0–1, got ${req.threshold}`,
      );
    if (!req.force && !isOverride) {
      const have = await existing(deps, file, req.path);
      if (have) {
        count('stored');
        return { ok: true, analysis: summaryRecord(have), stored: true };
      }
    }
    if (!existsSync(file)) throw new AnalysisError(AnalysisErrorCodes.notFound, `${req.path} does not exist`);
    const params: AnalysisParams | null = isOverride
      ? { ...configured, thresholdMode: 'fixed', threshold: req.threshold! }
      : null;
    const key = `${req.path}\0${params ? params.threshold : 'configured'}`;
    const { result, shared } = queue.submit(key, async () =>
      params
        ? override(file, req.path, source, params)
        : { record: await decode(req.path, source), outcome: 'decoded' as const },
    );
    const { record, outcome } = await result;
    count(shared ? 'shared' : outcome);
    return record.error
      ? { ok: false, code: record.error.code, error: record.error.message }
      : { ok: true, analysis: summaryRecord(record), stored: !params };
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
            throw new AnalysisError(
              AnalysisErrorCodes.badRequest,
              'the request body is not JSON ({"path": "<source>/…"})',
              { cause },
            );
          }
          out = await reply(req);
        } catch (err) {
          const known = err instanceof AnalysisError;
          const code = known ? err.code : 'ANALYZE_FAILED';
          count(code === AnalysisErrorCodes.busy ? 'busy' : known ? 'refused' : 'failed');
          if (!known) deps.log.error({ err }, 'isr.analyze request failed');
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
