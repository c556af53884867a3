import { unlink } from 'node:fs/promises';
import {
  ANALYSIS_SIDECAR_SUFFIX,
  analysisKey,
  encodeJson,
  parseJson,
  Subjects,
  type AnalysisRecord,
  type ForgetReply,
  type ForgetRequest,
} from '@isr/contract';
import type { KV, NatsConnection } from '@isr/runtime';
import { analyzeRequester, type AnalyzeOutcome, type LateAnalysis } from './analyze-requests.ts';
import { webError } from './errors.ts';
import { readSidecar } from './scan.ts';

/** Where web finds a recording's analysis: KV isr_analysis, else the sidecar, else the analyzer over isr.analyze. */
export interface AnalysisStore {
  get(rel: string, abs: string): Promise<AnalysisRecord | null>;
  /**
   * Ask the analyzer (identical requests in flight share one); 'pending' when it does not answer within the wait: the
   * answer is then announced when it comes (`announce`, the SSE `analysis` event) and an override's result is kept
   * for the page's follow-up request; 'busy' when the analyzer's request queue is full.
   */
  request(rel: string, threshold: number | undefined): Promise<AnalyzeOutcome>;
  remove(rel: string, abs: string): Promise<void>;
}

/** The store over a real bus (nc + the isr_analysis bucket); either may be null for a bus-less app. */
export function busAnalysisStore(opts: {
  nc: NatsConnection | null;
  kv: KV | null;
  waitMs: number;
  announce?: (e: LateAnalysis) => void;
}): AnalysisStore {
  const ask = opts.nc
    ? analyzeRequester({ nc: opts.nc, waitMs: opts.waitMs, ...(opts.announce ? { announce: opts.announce } : {}) })
    : null;
  return {
    async get(rel, abs) {
      if (opts.kv) {
        const e = await opts.kv.get(analysisKey(rel)).catch(() => null);
        if (e && e.operation === 'PUT' && e.value.length > 0)
          return parseJson<AnalysisRecord>(e.value, `KV analysis ${rel}`);
      }
      return readSidecar(abs);
    },
    async request(rel, threshold) {
      if (!ask) throw webError('analyzerDown', 'no NATS connection to reach the analyzer');
      return ask(rel, threshold);
    },
    async remove(rel, abs) {
      await unlink(abs + ANALYSIS_SIDECAR_SUFFIX).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      // The analyzer owns isr_analysis (the web's NATS user may not write it): ask it to drop the record.
      if (opts.nc) {
        const msg = await opts.nc.request(Subjects.analyzeForget, encodeJson({ path: rel } satisfies ForgetRequest), {
          timeout: opts.waitMs,
        });
        const reply = parseJson<ForgetReply>(msg.data, 'isr.analyze.forget reply');
        if (!reply.ok) throw new Error(`the analyzer kept the analysis of ${rel}: ${reply.error} (${reply.code})`);
      }
    },
  };
}
