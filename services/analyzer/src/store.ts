import { rename, unlink, writeFile } from 'node:fs/promises';
import {
  analysisKey,
  encodeJson,
  isValidSourceName,
  Subjects,
  type AnalysisDoneEvent,
  type AnalysisRecord,
} from '@isr/contract';
import type { JetStreamClient, KV } from '@isr/runtime';
import { AnalysisErrorCodes } from './errors.ts';
import { summaryRecord } from './record.ts';
import { sidecarOf } from './recording-path.ts';

export interface StoreDeps {
  kv: KV;
  js: JetStreamClient;
}

/** Writes `<file>.analysis.json` atomically (temp file + rename): a reader never sees half a record. */
async function writeSidecar(file: string, record: AnalysisRecord): Promise<void> {
  const target = sidecarOf(file);
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Makes a record durable and announces it: sidecar beside the recording (full record; not for a file that no
 * longer exists), then `publishAnalysis`.
 * Throws on a bus failure, so the caller can retry later (nak) rather than lose the record.
 */
export async function storeAnalysis(deps: StoreDeps, file: string, record: AnalysisRecord): Promise<void> {
  if (record.error?.code !== AnalysisErrorCodes.notFound) await writeSidecar(file, record);
  await publishAnalysis(deps, record);
}

/** KV isr_analysis (summary), then AnalysisDoneEvent on isr.analysis.done.<source> (JetStream). */
export async function publishAnalysis(deps: StoreDeps, record: AnalysisRecord): Promise<void> {
  await deps.kv.put(analysisKey(record.path), encodeJson(summaryRecord(record)));
  await announceAnalysis(deps, record);
}

/** Publishes `isr.analysis.done.<source>` for a record stored in KV (again, when a redelivery finds it stored). */
export async function announceAnalysis(deps: StoreDeps, record: AnalysisRecord): Promise<void> {
  const key = analysisKey(record.path);
  if (isValidSourceName(record.source)) {
    const done: AnalysisDoneEvent = {
      source: record.source,
      path: record.path,
      key,
      ok: !record.error,
      ...(record.error ? { error: `${record.error.code}: ${record.error.message}` } : {}),
    };
    await deps.js.publish(Subjects.analysisDone(record.source), encodeJson(done));
  }
}
