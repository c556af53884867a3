import { setTimeout as sleep } from 'node:timers/promises';
import {
  encodeJson,
  parseJson,
  Subjects,
  type AnalysisRecord,
  type AnalyzeReply,
  type AnalyzeRequest,
} from '@isr/contract';
import type { NatsConnection } from '@isr/runtime';
import { webError } from './errors.ts';

/** The analyzer's code for "analyze_queue_max requests in hand" (the web answers 429 + Retry-After). */
const ANALYZER_BUSY = 'ANALYZER_BUSY';

export type AnalyzeOutcome =
  /** `stored`: the analyzer stored it (KV + done event); false for a threshold override. */
  | { kind: 'done'; record: AnalysisRecord; stored: boolean }
  | { kind: 'pending' }
  | { kind: 'busy'; error: string }
  | { kind: 'failed'; code: string; error: string };

/** What the web announces as the SSE `analysis` event when an answer comes after the request was answered 202. */
export interface LateAnalysis {
  path: string;
  threshold: number | null;
  ok: boolean;
  error: string | null;
  summary: null;
}

export interface AnalyzeRequesterOptions {
  nc: NatsConnection;
  /** How long a page request waits before it is answered 202 (web_analyze_wait_seconds). */
  waitMs: number;
  /** How long the web keeps waiting for the analyzer's answer after that (then announces a failure). */
  replyTimeoutMs?: number;
  /** How long an override's result is kept for the page's follow-up request, and how many are kept. */
  resultTtlMs?: number;
  maxResults?: number;
  /** Called with an answer that arrived after its request was answered 202 (and that the analyzer does not announce). */
  announce?: (e: LateAnalysis) => void;
  now?: () => number;
}

/** A failure is kept shorter than a result: long enough to stop a page from asking again and again. */
const FAILURE_TTL_MS = 60_000;

type InFlight = { reply: Promise<AnalyzeOutcome>; late: boolean };

/**
 * isr.analyze from the web: identical requests in flight (same path and threshold) share one bus request; a request
 * waits `waitMs` and is then answered 'pending' while the bus request goes on; when that answer finally comes it is
 * announced (`announce`: the SSE `analysis` event) unless the analyzer stored it (then its done event announces it),
 * and an answer the analyzer does not store (an override's result, a failure) is kept for a while (`resultTtlMs`) so
 * that the page's follow-up request gets it without asking again.
 */
export function analyzeRequester(
  o: AnalyzeRequesterOptions,
): (rel: string, threshold: number | undefined) => Promise<AnalyzeOutcome> {
  const replyTimeoutMs = Math.max(o.waitMs, o.replyTimeoutMs ?? 15 * 60_000);
  const ttl = o.resultTtlMs ?? 10 * 60_000;
  const maxResults = o.maxResults ?? 64;
  const now = o.now ?? Date.now;
  const inFlight = new Map<string, InFlight>();
  /** Final answers nobody stored (overrides, failures), so that the page's follow-up gets them without asking again. */
  const results = new Map<string, { out: Extract<AnalyzeOutcome, { kind: 'done' | 'failed' }>; at: number }>();

  const ask = async (rel: string, threshold: number | undefined): Promise<AnalyzeOutcome> => {
    const req: AnalyzeRequest = { path: rel, ...(threshold !== undefined ? { threshold, force: true } : {}) };
    try {
      const msg = await o.nc.request(Subjects.analyze, encodeJson(req), { timeout: replyTimeoutMs });
      const reply = parseJson<AnalyzeReply>(msg.data, 'isr.analyze reply');
      if (reply.ok) return { kind: 'done', record: reply.analysis, stored: reply.stored !== false };
      return reply.code === ANALYZER_BUSY
        ? { kind: 'busy', error: reply.error }
        : { kind: 'failed', code: reply.code, error: reply.error };
    } catch (err) {
      const text = `${(err as Error).name} ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? '')}`;
      if (/no ?responders/i.test(text))
        throw webError('analyzerDown', 'the analyzer is not running (no responder on isr.analyze)', err);
      if (/timeout/i.test(text))
        return {
          kind: 'failed',
          code: 'TIMEOUT',
          error: `the analyzer did not answer within ${Math.round(replyTimeoutMs / 1000)} s`,
        };
      throw err;
    }
  };

  const settle = (
    key: string,
    rel: string,
    threshold: number | undefined,
    entry: InFlight,
    out: AnalyzeOutcome,
  ): void => {
    inFlight.delete(key);
    if ((out.kind === 'done' && !out.stored) || out.kind === 'failed') {
      results.delete(key);
      results.set(key, { out, at: now() });
      for (const k of results.keys()) {
        if (results.size <= maxResults) break;
        results.delete(k); // the oldest first (insertion order)
      }
    }
    if (entry.late && !(out.kind === 'done' && out.stored)) {
      o.announce?.({
        path: rel,
        threshold: threshold ?? null,
        ok: out.kind === 'done',
        error: out.kind === 'done' || out.kind === 'pending' ? null : out.error,
        summary: null,
      });
    }
  };

  return async (rel, threshold) => {
    const key = `${rel}\0${threshold ?? ''}`;
    const kept = results.get(key);
    if (kept && now() - kept.at < (kept.out.kind === 'failed' ? Math.min(ttl, FAILURE_TTL_MS) : ttl)) return kept.out;
    let entry = inFlight.get(key);
    if (!entry) {
      const e: InFlight = { reply: ask(rel, threshold), late: false };
      inFlight.set(key, e);
      e.reply.then(
        (out) => settle(key, rel, threshold, e, out),
        (err: unknown) =>
          settle(key, rel, threshold, e, {
            kind: 'failed',
            code: (err as { code?: string }).code ?? 'ERROR',
            error: (err as Error).message,
          }),
      );
      entry = e;
    }
    const ac = new AbortController();
    try {
      const first = await Promise.race([entry.reply, sleep(o.waitMs, 'wait' as const, { signal: ac.signal })]);
      if (first !== 'wait') return first;
      entry.late = true;
      return { kind: 'pending' };
    } finally {
      ac.abort();
    }
  };
}
