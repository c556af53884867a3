import type { AnalysisRecord } from '@isr/contract';
import type { Logger } from 'pino';
import { analyzeFile } from './analyze-file.ts';
import type { AnalyzerMetrics } from './metrics.ts';
import type { AnalysisParams, AnalyzerSettings } from './params.ts';
import { resolveRecording, sourceOfPath } from './recording-path.ts';
import { storeAnalysis, type StoreDeps } from './store.ts';

export type Trigger = 'event' | 'request' | 'scan';

export interface JobDeps extends StoreDeps {
  settings: AnalyzerSettings;
  log: Logger;
  metrics: AnalyzerMetrics;
  now: () => Date;
}

export interface JobOptions {
  trigger: Trigger;
  /** Defaults to the first directory of the path. */
  source?: string;
  /** Parameters other than the configured ones: the result is returned but not stored. */
  params?: AnalysisParams;
  /** SHA-256 of the file from its closed-segment event, copied into the record. */
  sha256?: string;
}

/**
 * Analyzes one recording (path relative to output_directory) and, with the configured parameters, stores the
 * record (sidecar, KV, done event). A bad file yields a stored error record; a bus failure throws.
 */
export async function runAnalysisJob(deps: JobDeps, rel: string, opts: JobOptions): Promise<AnalysisRecord> {
  const file = resolveRecording(deps.settings.outputDirectory, rel);
  const source = opts.source ?? sourceOfPath(rel) ?? '';
  const params = opts.params ?? deps.settings.paramsFor(source);
  const started = performance.now();
  const record = await analyzeFile({ file, path: rel, source, params, tools: deps.settings, now: deps.now });
  if (opts.sha256) record.sha256 = opts.sha256; // the segmenter's hash of the file as closed (closed-segment event)
  const result = record.error ? 'error' : 'ok';
  if (!opts.params) await storeAnalysis(deps, file, record);
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.files.inc({ result, trigger: opts.trigger });
  deps.metrics.seconds.observe({ result }, seconds);
  if (record.error) {
    deps.metrics.errors.inc({ code: record.error.code });
    deps.log.warn(
      { path: rel, code: record.error.code, reason: record.error.message },
      'file could not be analyzed; error record written',
    );
  } else {
    deps.metrics.audioSeconds.inc(record.durationSeconds ?? 0);
    deps.log.info(
      {
        path: rel,
        trigger: opts.trigger,
        seconds: Math.round(seconds * 1000) / 1000,
        durationSeconds: record.durationSeconds,
        lufs: record.integratedLufs,
        sections: record.loudSections?.length,
      },
      'analyzed',
    );
  }
  return record;
}
