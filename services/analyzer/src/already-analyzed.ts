import { readFile, stat } from 'node:fs/promises';
import { analysisKey, type AnalysisRecord } from '@isr/contract';
import { sidecarOf } from './recording-path.ts';
import { announceAnalysis, publishAnalysis, type StoreDeps } from './store.ts';

/**
 * True when a redelivered (or replayed) closed-segment event needs no new analysis: the sidecar exists and was
 * made from a file of the same size without error. When KV does not show the record (lost, or a replica a moment
 * behind the leader after a node loss answered the read), it is stored and announced again from the sidecar
 * instead of analyzing the file a second time; when KV shows it, it is announced again. No sidecar, a different size or an error record: analyze (again).
 */
export async function alreadyAnalyzed(deps: StoreDeps, file: string, rel: string): Promise<boolean> {
  let rec: AnalysisRecord;
  try {
    const [side, st] = await Promise.all([readFile(sidecarOf(file), 'utf8'), stat(file)]);
    rec = JSON.parse(side) as AnalysisRecord;
    if (rec.error || rec.path !== rel || rec.bytes !== st.size) return false;
  } catch {
    return false;
  }
  const entry = await deps.kv.get(analysisKey(rel)).catch(() => null);
  if (entry === null || entry.operation !== 'PUT') await publishAnalysis(deps, rec);
  // Stored, but maybe never announced: the done event's publish is what failed (ISR_EVENTS without a leader
  // after the KV put), and the redelivery is the only chance to send it. Followers take it twice harmlessly.
  else await announceAnalysis(deps, rec);
  return true;
}
