import { Buckets, FormatExtensions, frameAtOrAfter, timeOfFrame, type AudioChunkMeta, type Gap } from '@isr/contract';
import type { Logger } from 'pino';
import type { CodecInitCache } from './codec-init.ts';
import type { OpenFileRecord } from './journal.ts';
import { openSink } from './open-sink.ts';
import { recoverFile } from './recovery.ts';
import type { Durable, Sink } from './sink.ts';
import { hashFile } from './stream-hash.ts';
import type { SourceSettings } from './writer-settings.ts';

/** The file a source writer has open: its journal record, its sink and what was written to it so far. */
export interface OpenFile {
  rec: OpenFileRecord;
  sink: Sink;
  /** PCM: session offset of the first frame at or after the end boundary. */
  endFrame: number;
  bytes: number;
  frames: number;
  lastHeaderRewrite: number;
}

/** An open file for a record recovered after a crash (continued where the journal left it). */
export function resumedFile(rec: OpenFileRecord, sink: Sink, now: number): OpenFile {
  return {
    rec,
    sink,
    endFrame: frameAtOrAfter(rec.endBoundaryMs, rec.sessionStartMs, rec.sampleRate),
    bytes: rec.byteLength,
    frames: rec.frames,
    lastHeaderRewrite: now,
  };
}

export interface CreateFileArgs {
  settings: SourceSettings;
  codecInit: CodecInitCache;
  log: Logger;
  meta: AudioChunkMeta;
  /** Session offset of the file's first sample. */
  offset: number;
  /** Gaps before this file (they go into its events). */
  gaps: Gap[];
  now: number;
}

/**
 * Creates the file whose first sample is at `offset` (named after that instant, ending at the next split
 * boundary) with its container header synced, and its journal record (0 frames).
 */
export async function createFile(a: CreateFileArgs): Promise<OpenFile> {
  const { settings: s, meta, offset } = a;
  const startMs = timeOfFrame(offset, meta.sessionStartMs, meta.sampleRate);
  const endBoundaryMs = s.split.next(startMs);
  const endFrame = frameAtOrAfter(endBoundaryMs, meta.sessionStartMs, meta.sampleRate);
  const container = meta.format === 'pcm' ? s.pcmContainer : FormatExtensions[meta.format];
  const needsInit = meta.format === 'ogg' || meta.format === 'flac';
  const init = needsInit ? await a.codecInit.get(s.source, meta.session) : null;
  if (needsInit && !init) {
    a.log.error(
      { session: meta.session },
      `no codec init for the session in KV ${Buckets.codec}: the file will lack its stream headers`,
    );
  }
  const opened = await openSink({
    settings: s,
    meta,
    offset,
    startMs,
    expectedFrames: endFrame - offset,
    container,
    init,
  });
  if (opened.reused)
    a.log.warn(
      { path: opened.rel },
      'a file of this name held no audio (a crash came before the journal recorded it): reused it',
    );
  const durable = await opened.sink.sync(false);
  const rec: OpenFileRecord = {
    path: opened.path,
    rel: opened.rel,
    container,
    byteLength: durable.bytes,
    frames: 0,
    firstOffset: offset,
    startMs,
    endBoundaryMs,
    format: meta.format,
    codec: meta.codec,
    sampleRate: meta.sampleRate,
    channels: meta.channels,
    session: meta.session,
    sessionStartMs: meta.sessionStartMs,
    gaps: a.gaps,
    ogg: durable.ogg ?? null,
  };
  return { rec, sink: opened.sink, endFrame, bytes: durable.bytes, frames: 0, lastHeaderRewrite: a.now };
}

/**
 * Finishes the file (final header, sync, close); returns what it holds, its SHA-256 (streamed while writing,
 * else read back once: `streamed` false) and the session position after it.
 */
export async function finishFile(
  file: OpenFile,
): Promise<{ durable: Durable; sha256: string; streamed: boolean; endOffset: number; endMs: number }> {
  const durable = await file.sink.close();
  const rec = file.rec;
  const streamedDigest = file.sink.digest();
  const sha256 = streamedDigest ?? (await hashFile(rec.path));
  const endOffset = rec.firstOffset + durable.frames;
  return {
    durable,
    sha256,
    streamed: streamedDigest !== null,
    endOffset,
    endMs: timeOfFrame(endOffset, rec.sessionStartMs, rec.sampleRate),
  };
}

/**
 * After a write failure: closes the descriptor without finishing, cuts the file back to its journalled length
 * and repairs it (as after a crash), then finishes it. Returns false when the repair failed (logged).
 */
export async function abandonAndRepair(
  source: string,
  file: OpenFile,
  codecInit: CodecInitCache,
  log: Logger,
): Promise<boolean> {
  await file.sink.abandon();
  try {
    const r = await recoverFile(source, file.rec, codecInit, log);
    if (r.kind === 'continue') await r.sink.close();
    return true;
  } catch (repairErr) {
    log.error({ err: repairErr, path: file.rec.rel }, 'could not repair the file after a write failure');
    return false;
  }
}
