import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { walkRecordings } from '@isr/runtime';
import type { Logger } from 'pino';
import { runAnalysisJob, type JobDeps } from './analysis-job.ts';
import type { Limiter } from './limiter.ts';
import { AUDIO_EXTENSIONS, relativeRecording, sidecarOf } from './recording-path.ts';

/** Seconds a candidate file must keep its size and mtime to count as finished (not being written). */
const STABLE_SECONDS = 2;

/** Relative paths the segmenter is writing now: `active` in `<output_directory>/status.json` (absent → none). */
async function activeRecordings(root: string, log: Logger): Promise<Set<string>> {
  try {
    const doc = JSON.parse(await readFile(join(root, 'status.json'), 'utf8')) as { active?: unknown };
    return new Set(Array.isArray(doc.active) ? doc.active.filter((x): x is string => typeof x === 'string') : []);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ err }, 'status.json unreadable; relying on the growth check alone');
    return new Set();
  }
}

/**
 * The recordings under `root` that have no sidecar analysis, minus the files the segmenter lists as active and
 * any file still growing (size or mtime changed over STABLE_SECONDS). Returns relative paths.
 */
export async function unanalyzedRecordings(
  root: string,
  log: Logger,
  sleep: (ms: number) => Promise<void>,
): Promise<string[]> {
  const active = await activeRecordings(root, log);
  const first = new Map<string, string>();
  for await (const rel of walkRecordings(root, { extensions: AUDIO_EXTENSIONS })) {
    const abs = join(root, rel);
    if (existsSync(sidecarOf(abs)) || active.has(rel)) continue;
    const s = await stat(abs).catch(() => null);
    if (s) first.set(abs, `${s.size}:${s.mtimeMs}`);
  }
  if (first.size === 0) return [];
  await sleep(STABLE_SECONDS * 1000);
  const out: string[] = [];
  for (const [abs, sig] of first) {
    const s = await stat(abs).catch(() => null);
    if (s && `${s.size}:${s.mtimeMs}` === sig) out.push(relativeRecording(root, abs));
    else log.info({ path: relativeRecording(root, abs) }, 'skipping a file that is still being written');
  }
  return out.sort();
}

/**
 * The start-up scan in the background: analyzes every recording unanalyzedRecordings finds, each in a background
 * slot of the limiter (a live file's analysis goes first), none once `closing()` says the analyzer is stopping.
 * Never rejects: a failure is logged.
 */
export async function runStartupScan(
  deps: JobDeps,
  limiter: Limiter,
  sleep: (ms: number) => Promise<void>,
  closing: () => boolean,
): Promise<void> {
  const { log, settings } = deps;
  try {
    const todo = await unanalyzedRecordings(settings.outputDirectory, log, sleep);
    if (todo.length) log.info({ files: todo.length }, 'start-up scan: analyzing recordings that have no analysis');
    await Promise.all(
      todo.map((rel) =>
        limiter.run(async () => {
          if (!closing())
            await runAnalysisJob(deps, rel, { trigger: 'scan' }).catch((err: unknown) =>
              log.error({ err, path: rel }, 'start-up analysis could not be stored'),
            );
        }, 'background'),
      ),
    );
    if (todo.length) log.info({ files: todo.length }, 'start-up scan done');
  } catch (err) {
    log.error({ err }, 'start-up scan failed');
  }
}
