import type { ClipReadOptions } from './clip-read.ts';
import type { FileIndex, Recording } from './file-index.ts';
import type { DurationCache } from './media-duration.ts';
import { resolveInRoot } from './resolve-file.ts';

/** What cutting a clip needs: the recordings, the index, the learnt durations, the request's signal and byte counter. */
export interface ClipContext extends ClipReadOptions {
  root: string;
  index: FileIndex;
  durations: DurationCache;
}

/** A recording as clip selection sees it. */
export interface TimedFile {
  startMs: number;
  /** Known from a closed event or a header; null when the web has not been told. */
  durationSeconds: number | null;
  recording: boolean;
}

/**
 * A file name carries its start to the second (`%S`), so the next file may really start up to a second after its
 * name says; a file ends where the next really starts. Margin for that, and for a last page or frame.
 */
export const NEXT_START_SLACK_MS = 2000;

/**
 * The files that may hold audio of [startMs, endMs), from what is known without reading them: a file starts at
 * the time in its name and ends by its known duration, or — unknown — no later than where the next file starts
 * (with NEXT_START_SLACK_MS, or exactly there when `cutAtNext`: a frame belongs to the file it starts in).
 * `oldestFirst` is one source's files of one container. Pure.
 */
export function clipCandidates<T extends TimedFile>(
  oldestFirst: readonly T[],
  startMs: number,
  endMs: number,
  cutAtNext: boolean,
): { file: T; nextStartMs: number }[] {
  const out: { file: T; nextStartMs: number }[] = [];
  for (let i = 0; i < oldestFirst.length; i++) {
    const f = oldestFirst[i]!;
    if (f.startMs >= endMs) break;
    const nextStartMs = oldestFirst[i + 1]?.startMs ?? Infinity;
    const bound = cutAtNext ? nextStartMs : nextStartMs + NEXT_START_SLACK_MS;
    const known = f.durationSeconds !== null ? f.startMs + f.durationSeconds * 1000 : Infinity;
    if (Math.min(bound, known) > startMs && (!cutAtNext || f.startMs < nextStartMs)) out.push({ file: f, nextStartMs });
  }
  return out;
}

/** Whether a file of [fileStartMs, fileEndMs) holds audio of [startMs, endMs) (cut at the next file's start when `cutAtNext`). Pure. */
export function holdsAudioOf(
  fileStartMs: number,
  fileEndMs: number,
  nextStartMs: number,
  cutAtNext: boolean,
  startMs: number,
  endMs: number,
): boolean {
  const end = cutAtNext ? Math.min(fileEndMs, nextStartMs) : fileEndMs;
  return fileStartMs < endMs && end > startMs;
}

export interface ClipFile {
  rec: Recording;
  abs: string;
  /** Start of the source's next file of this container (Infinity for the last). */
  nextStartMs: number;
}

/**
 * The files of `source` in `container` that hold audio of [startMs, endMs), oldest first: the candidates by name
 * and known duration, then — for a candidate that starts before the clip and whose length nobody told the web —
 * its real length parsed from the file once (DurationCache) and kept in the index, so /api/files lists it too.
 * Files starting inside the span are not read here.
 */
export async function selectClipFiles(
  ctx: ClipContext,
  source: string,
  container: string,
  startMs: number,
  endMs: number,
  cutAtNext: boolean,
): Promise<ClipFile[]> {
  const recs = ctx.index.ofSource(source).filter((r) => r.container === container);
  const out: ClipFile[] = [];
  for (const { file: rec, nextStartMs } of clipCandidates(recs, startMs, endMs, cutAtNext)) {
    ctx.signal?.throwIfAborted();
    const f = await resolveInRoot(ctx.root, rec.path).catch(() => null);
    if (!f) continue;
    let fileEndMs = Infinity;
    if (rec.durationSeconds !== null) fileEndMs = rec.startMs + rec.durationSeconds * 1000;
    else if (!rec.recording && rec.startMs < startMs) {
      const seconds = await ctx.durations.durationOf(f.abs, container, ctx).catch((err: unknown) => {
        if (ctx.signal?.aborted) throw err;
        return null;
      });
      if (seconds !== null) {
        fileEndMs = rec.startMs + seconds * 1000;
        // What was learnt is the archive's too: /api/files lists the file with its length from now on.
        ctx.index.upsert({ path: rec.path, durationSeconds: seconds });
      }
    }
    if (holdsAudioOf(rec.startMs, fileEndMs, nextStartMs, cutAtNext, startMs, endMs))
      out.push({ rec, abs: f.abs, nextStartMs });
  }
  return out;
}
