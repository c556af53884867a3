import { readFile, stat } from 'node:fs/promises';
import { analysisKey, type AnalysisRecord } from '@isr/contract';
import type { KV } from '@isr/runtime';
import { sidecarOf } from './recording-path.ts';

/**
 * True when a redelivered (or replayed) closed-segment event needs no new analysis: the sidecar exists, was made
 * from a file of the same size without error, and KV holds the record too. Anything else — no sidecar, a
 * different size, an error record, KV lost — means analyze (again).
 */
export async function alreadyAnalyzed(kv: KV, file: string, rel: string): Promise<boolean> {
  try {
    const [side, st] = await Promise.all([readFile(sidecarOf(file), 'utf8'), stat(file)]);
    const rec = JSON.parse(side) as AnalysisRecord;
    if (rec.error || rec.path !== rel || rec.bytes !== st.size) return false;
    const entry = await kv.get(analysisKey(rel));
    return entry !== null && entry.operation === 'PUT';
  } catch {
    return false;
  }
}
