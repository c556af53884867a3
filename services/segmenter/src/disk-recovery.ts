import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { flacFrameEnds, FlacHeaderError, parseWavHeader, readFlacMetadata, readStreamInfo } from '@isr/audio';
import { timeOfFrame } from '@isr/contract';
import type { Logger } from 'pino';
import type { AudioReader, StoredChunk } from './audio-reader.ts';
import type { Journal, OpenFileRecord } from './journal.ts';
import type { SourceSettings } from './writer-settings.ts';
import { chunkFrames } from './chunk-validate.ts';

/** What an ISR WAV says about itself in its BWF description (open-sink.ts writes it). */
const DESCRIPTION = /^ISR (\S+) session (\S+) offset (\d+)$/;

/** The newest `.wav` or `.flac` under `<output_directory>/<source>/` by modification time (the one a crash left open). */
async function newestRecording(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir, { recursive: true });
  } catch {
    return null;
  }
  let best: { path: string; mtime: number } | null = null;
  for (const n of names) {
    if (!n.endsWith('.wav') && !n.endsWith('.flac')) continue;
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
 * A PCM FLAC file is rebuilt the same way from its Vorbis comments and CRC-checked frames. Returns null when
 * there is nothing to continue (compressed stream files are left as they are).
 */
export async function journalFromDisk(
  s: SourceSettings,
  reader: AudioReader,
  replayFrom: number,
  log: Logger,
): Promise<Rebuilt | null> {
  const path = await newestRecording(join(s.outputDirectory, s.source));
  if (!path) return null;
  if (path.endsWith('.flac')) return flacJournalFromDisk(s, path, reader, replayFrom, log);
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
  const blockAlign = h.blockAlign;
  const framesOnDisk = Math.floor((size - h.dataOffset) / blockAlign);
  if (h.dataBytes === framesOnDisk * blockAlign && size === h.dataOffset + h.dataBytes) return null; // finished properly
  // The session's start time, and where its acknowledged audio ends, from the stream.
  const next = await reader.next(s.source, replayFrom);
  let anchor: StoredChunk | null = next?.meta.session === session ? next : null;
  let frames = framesOnDisk;
  if (anchor) frames = Math.max(0, Math.min(framesOnDisk, anchor.meta.offset - firstOffset));
  else anchor = await lastChunkOf(s.source, session, reader, replayFrom);
  if (!anchor) {
    log.warn(
      { path },
      'a WAV file left open by a crash, but its session is no longer in the stream: it is repaired at start-up only by the next files (not continued)',
    );
    return null;
  }
  const { journal, rec } = rebuiltJournal(s, path, anchor, {
    container: 'wav',
    byteLength: h.dataOffset + frames * blockAlign,
    frames,
    firstOffset,
    channels: h.channels,
  });
  log.warn(
    { path: rec.rel, frames, framesOnDisk },
    'rebuilt the journal of a WAV file left open by a crash from its header and the stream',
  );
  return { journal, replayFrom: null };
}

/** The Vorbis comments of a FLAC file (KEY → value) and where its frames start (0: metadata unreadable). */
function flacMetadata(buf: Buffer): { comments: Map<string, string>; audioStart: number } {
  let step;
  try {
    step = readFlacMetadata(buf);
  } catch (err) {
    if (err instanceof FlacHeaderError) return { comments: new Map(), audioStart: 0 };
    throw err;
  }
  if (step.kind === 'need') return { comments: new Map(), audioStart: 0 };
  const { vorbisComment, audioOffset } = step.metadata;
  return { comments: new Map(vorbisComment?.comments.map(([k, v]) => [k.toUpperCase(), v])), audioStart: audioOffset };
}

/**
 * journalFromDisk for a PCM FLAC file: its Vorbis comments name the session and first offset, its whole frames
 * (CRC-checked; a torn last one is dropped) give its length, cut to whole blocks before the first
 * unacknowledged chunk; the file is then continued like after any crash (recovery.ts).
 */
async function flacJournalFromDisk(
  s: SourceSettings,
  path: string,
  reader: AudioReader,
  replayFrom: number,
  log: Logger,
): Promise<Rebuilt | null> {
  const buf = await readFile(path);
  let info;
  try {
    info = readStreamInfo(buf);
  } catch {
    return null;
  }
  const { comments: vc, audioStart } = flacMetadata(buf);
  const session = vc.get('ISR_SESSION');
  const firstOffset = Number(vc.get('ISR_SESSION_OFFSET'));
  const blockSize = buf.readUInt16BE(8);
  if (
    vc.get('ISR_SOURCE') !== s.source ||
    !session ||
    !Number.isInteger(firstOffset) ||
    !audioStart ||
    blockSize !== buf.readUInt16BE(10)
  )
    return null;
  if (info.totalSamples > 0) return null; // libFLAC finished it (close writes the total): not left open
  const ends = flacFrameEnds(buf, audioStart);
  const next = await reader.next(s.source, replayFrom);
  let anchor: StoredChunk | null = next?.meta.session === session ? next : null;
  let blocks = ends.length;
  if (anchor) blocks = Math.max(0, Math.min(blocks, Math.floor((anchor.meta.offset - firstOffset) / blockSize)));
  else anchor = await lastChunkOf(s.source, session, reader, replayFrom);
  if (!anchor) {
    log.warn({ path }, 'a FLAC file left open by a crash, but its session is no longer in the stream: not continued');
    return null;
  }
  const frames = blocks * blockSize;
  const { journal, rec } = rebuiltJournal(s, path, anchor, {
    container: 'flac',
    byteLength: blocks ? ends[blocks - 1]! : audioStart,
    frames,
    firstOffset,
    channels: info.channels,
  });
  // Cut to whole blocks, the file may end before the first chunk the consumer replays: replay from the chunk
  // holding its new end instead (already acknowledged, still in the stream).
  const from =
    journal.offset < anchor.meta.offset ? await chunkAt(s.source, session, journal.offset, reader, anchor.seq) : null;
  log.warn(
    { path: rec.rel, frames, framesOnDisk: ends.length * blockSize, replayFrom: from },
    'rebuilt the journal of a FLAC file left open by a crash from its metadata and the stream',
  );
  return { journal, replayFrom: from };
}

/** The stream sequence of the chunk of `session` holding `offset`, among the 4096 sequences before `before`. */
async function chunkAt(
  source: string,
  session: string,
  offset: number,
  reader: AudioReader,
  before: number,
): Promise<number | null> {
  for (
    let c = await reader.next(source, Math.max(1, before - 4096));
    c && c.seq <= before;
    c = await reader.next(source, c.seq + 1)
  ) {
    const frames = chunkFrames(c.meta, c.units);
    if (c.meta.session === session && c.meta.offset <= offset && offset < c.meta.offset + frames) return c.seq;
  }
  return null;
}

/**
 * The journal entry of a PCM file a crash left open, rebuilt from disk: `frames` frames from `firstOffset` of the
 * anchor chunk's session, the durable audio ending at `byteLength`.
 */
function rebuiltJournal(
  s: SourceSettings,
  path: string,
  anchor: StoredChunk,
  f: { container: 'wav' | 'flac'; byteLength: number; frames: number; firstOffset: number; channels: number },
): { journal: Journal; rec: OpenFileRecord } {
  const { session, sessionStartMs, sampleRate } = anchor.meta;
  const startMs = timeOfFrame(f.firstOffset, sessionStartMs, sampleRate);
  const rec: OpenFileRecord = {
    path,
    rel: relative(s.outputDirectory, path).split(sep).join('/'),
    container: f.container,
    byteLength: f.byteLength,
    frames: f.frames,
    firstOffset: f.firstOffset,
    startMs,
    endBoundaryMs: s.split.next(startMs),
    format: 'pcm',
    codec: 'pcm_s16le',
    sampleRate,
    channels: f.channels,
    session,
    sessionStartMs,
    gaps: [],
    ogg: null,
  };
  const offset = f.firstOffset + f.frames;
  return {
    rec,
    journal: {
      v: 1,
      source: s.source,
      session,
      sessionStartMs,
      offset,
      endMs: timeOfFrame(offset, sessionStartMs, sampleRate),
      file: rec,
    },
  };
}

/** A journal entry rebuilt from disk, and the stream sequence the consumer must replay from for it (null: its ack floor + 1 does). */
export interface Rebuilt {
  journal: Journal;
  replayFrom: number | null;
}

/** The last chunk of `session` among the 4096 stream sequences before `before` (all acknowledged). */
async function lastChunkOf(
  source: string,
  session: string,
  reader: AudioReader,
  before: number,
): Promise<StoredChunk | null> {
  let last: StoredChunk | null = null;
  for (
    let c = await reader.next(source, Math.max(1, before - 4096));
    c && c.seq < before;
    c = await reader.next(source, c.seq + 1)
  ) {
    if (c.meta.session === session) last = c;
  }
  return last;
}
