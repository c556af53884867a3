import { unlink } from 'node:fs/promises';
import { ANALYSIS_SIDECAR_SUFFIX, analysisKey, encodeJson, parseJson, Subjects, type AnalysisRecord, type AnalyzeReply, type AnalyzeRequest, type ForgetReply, type ForgetRequest } from '@isr/contract';
import type { KV, NatsConnection } from '@isr/runtime';
import { webError } from './errors.ts';
import { readSidecar } from './scan.ts';

export type AnalyzeOutcome = { kind: 'done'; record: AnalysisRecord } | { kind: 'pending' } | { kind: 'failed'; code: string; error: string };

/** Where web finds a recording's analysis: KV isr_analysis, else the sidecar, else the analyzer over isr.analyze. */
export interface AnalysisStore {
  get(rel: string, abs: string): Promise<AnalysisRecord | null>;
  /** Ask the analyzer; 'pending' when it does not answer within the wait (the page then waits for the SSE event). */
  request(rel: string, threshold: number | undefined): Promise<AnalyzeOutcome>;
  remove(rel: string, abs: string): Promise<void>;
}

/** The store over a real bus (nc + the isr_analysis bucket); either may be null for a bus-less app. */
export function busAnalysisStore(opts: { nc: NatsConnection | null; kv: KV | null; waitMs: number }): AnalysisStore {
  return {
    async get(rel, abs) {
      if (opts.kv) {
        const e = await opts.kv.get(analysisKey(rel)).catch(() => null);
        if (e && e.operation === 'PUT' && e.value.length > 0) return parseJson<AnalysisRecord>(e.value, `KV analysis ${rel}`);
      }
      return readSidecar(abs);
    },
    async request(rel, threshold) {
      if (!opts.nc) throw webError('analyzerDown', 'no NATS connection to reach the analyzer');
      const req: AnalyzeRequest = { path: rel, ...(threshold !== undefined ? { threshold, force: true } : {}) };
      try {
        const msg = await opts.nc.request(Subjects.analyze, encodeJson(req), { timeout: opts.waitMs });
        const reply = parseJson<AnalyzeReply>(msg.data, 'isr.analyze reply');
        return reply.ok ? { kind: 'done', record: reply.analysis } : { kind: 'failed', code: reply.code, error: reply.error };
      } catch (err) {
        const text = `${(err as Error).name} ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
        if (/no ?responders/i.test(text)) throw webError('analyzerDown', 'the analyzer is not running (no responder on isr.analyze)', err);
        if (/timeout/i.test(text)) return { kind: 'pending' };
        throw err;
      }
    },
    async remove(rel, abs) {
      await unlink(abs + ANALYSIS_SIDECAR_SUFFIX).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      // The analyzer owns isr_analysis (the web's NATS user may not write it): ask it to drop the record.
      if (opts.nc) {
        const msg = await opts.nc.request(Subjects.analyzeForget, encodeJson({ path: rel } satisfies ForgetRequest), { timeout: opts.waitMs });
        const reply = parseJson<ForgetReply>(msg.data, 'isr.analyze.forget reply');
        if (!reply.ok) throw new Error(`the analyzer kept the analysis of ${rel}: ${reply.error} (${reply.code})`);
      }
    },
  };
}
