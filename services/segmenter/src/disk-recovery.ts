import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseWavHeader, timeOfFrame } from '@isr/audio';
import { ConsumerNames, StreamNames } from '@isr/contract';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { AudioReader, StoredChunk } from './audio-reader.ts';
import type { Journal, OpenFileRecord } from './journal.ts';
import type { SourceSettings } from './writer-settings.ts';

/** What an ISR WAV says about itself in its BWF description (open-sink.ts writes it). */
const DESCRIPTION = /^ISR (\S+) session (\S+) offset (\d+)$/;

/** The newest `.wav` under `<output_directory>/<source>/` by modification time (the one a crash left open). */
async function newestWav(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return null;
  }
  let best: { path: string; mtime: number } | null = null;
  for (const n of names) {
    if (!n.endsWith('.wav')) continue;
    const p = join(dir, n);
    const st = await stat(p).catch(() => null);
    if (st?.isFile() && (!best || st.mtimeMs > best.mtime)) best = { path: p, mtime: st.mtimeMs };
  }
  return best?.path ?? null;
}

/**
 * Without a usable journal (set aside as corrupt): rebuilds a source's journal entry from what is on disk, for
 * a WAV file a crash left open — the newest one whose header sizes disagree with its length. Its BWF
 * description names the session and the file's first offset; the stream gives the session's start time and,
 * from its first unacknowledged chunk (`replayFrom`, the consumer's ack floor + 1), where the files' durable
 * audio ends: the file keeps only what was acknowledged, so the replay neither repeats nor skips a frame.
 * Returns null when there is nothing to continue (FLAC and compressed files are left as they are).
 */
export async function journalFromDisk(s: SourceSettings, reader: AudioReader, replayFrom: number, log: Logger): Promise<Journal | null> {
  const path = await newestWav(join(s.outputDirectory, s.source));
  if (!path) return null;
  const fh = await open(path, 'r');
  let head: Buffer;
  let size: number;
  try {
    head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    head = head.subarray(0, bytesRead);
    size = (await fh.stat()).size;
  } finally {
    await fh.close();
  }
  let h;
  try {
    h = parseWavHeader(head);
  } catch {
    return null;
  }
  const m = DESCRIPTION.exec(h.bext?.description ?? '');
  if (!m || m[1] !== s.source) return null;
  const [session, firstOffset] = [m[2]!, Number(m[3])];
  const blockAlign = h.format.channels * (h.format.bitsPerSample / 8);
  const framesOnDisk = Math.floor((size - h.dataOffset) / blockAlign);
  if (h.dataBytes === framesOnDisk * blockAlign && size === h.dataOffset + h.dataBytes) return null; // finished properly
  // The session's start time, and where its acknowledged audio ends, from the stream.
  const next = await reader.next(s.source, replayFrom);
  let anchor: StoredChunk | null = next?.meta.session === session ? next : null;
  let frames = framesOnDisk;
  if (anchor) frames = Math.max(0, Math.min(framesOnDisk, anchor.meta.offset - firstOffset));
  else anchor = await lastChunkOf(s.source, session, reader, replayFrom);
  if (!anchor) {
    log.warn({ path }, 'a WAV file left open by a crash, but its session is no longer in the stream: it is repaired at start-up only by the next files (not continued)');
    return null;
  }
  const { sessionStartMs, sampleRate } = anchor.meta;
  const startMs = timeOfFrame(firstOffset, sessionStartMs, sampleRate);
  const rec: OpenFileRecord = {
    path,
    rel: relative(s.outputDirectory, path).split(sep).join('/'),
    container: 'wav',
    byteLength: h.dataOffset + frames * blockAlign,
    frames,
    firstOffset,
    startMs,
    endBoundaryMs: s.split.next(startMs),
    format: 'pcm',
    codec: 'pcm_s16le',
    sampleRate,
    channels: h.format.channels,
    session,
    sessionStartMs,
    gaps: [],
    ogg: null,
  };
  const offset = firstOffset + frames;
  log.warn({ path: rec.rel, frames, framesOnDisk }, 'rebuilt the journal of a WAV file left open by a crash from its header and the stream');
  return { v: 1, source: s.source, session, sessionStartMs, offset, endMs: timeOfFrame(offset, sessionStartMs, sampleRate), file: rec };
}

/** The last chunk of `session` among the 4096 stream sequences before `before` (all acknowledged). */
async function lastChunkOf(source: string, session: string, reader: AudioReader, before: number): Promise<StoredChunk | null> {
  let last: StoredChunk | null = null;
  for (let c = await reader.next(source, Math.max(1, before - 4096)); c && c.seq < before; c = await reader.next(source, c.seq + 1)) {
    if (c.meta.session === session) last = c;
  }
  return last;
}

/** journalFromDisk for every configured source, replaying from the segmenter consumer's ack floor + 1. */
export async function journalsFromDisk(sources: readonly SourceSettings[], reader: AudioReader, jsm: JetStreamManager, log: Logger): Promise<Journal[]> {
  const ci = await jsm.consumers.info(StreamNames.audio, ConsumerNames.segmenter).catch(() => null);
  const replayFrom = (ci?.ack_floor.stream_seq ?? 0) + 1;
  const out: Journal[] = [];
  for (const s of sources) {
    try {
      const j = await journalFromDisk(s, reader, replayFrom, log.child({ source: s.source }));
      if (j) out.push(j);
    } catch (err) {
      log.error({ err, source: s.source }, 'could not rebuild the journal from disk; starting the source without it');
    }
  }
  return out;
}
