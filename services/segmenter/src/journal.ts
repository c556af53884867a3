import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioChunkMeta, Gap } from '@isr/contract';
import type { Logger } from 'pino';
import type { DurablePosition } from './ack-tracker.ts';

/** The container a file is written in (PCM: wav or flac, by the source's `format`). */
export type Container = 'wav' | 'flac' | 'mp3' | 'aac' | 'ogg';

/** Ogg: next page sequence number and granule base (decimal). */
export interface OggPosition {
  nextSequence: number;
  granuleBase: string;
}

/** The file a source is writing, as far as it is durable on disk; its stream fields are those of its chunks. */
export interface OpenFileRecord extends Pick<AudioChunkMeta, 'format' | 'codec' | 'sampleRate' | 'channels' | 'session' | 'sessionStartMs'> {
  path: string;
  /** Relative to output_directory, '/'-separated. */
  rel: string;
  container: Container;
  /** Bytes of the file that are durable; everything after is discarded at recovery. */
  byteLength: number;
  /** Sample frames in those bytes. */
  frames: number;
  /** Session offset of the file's first sample. */
  firstOffset: number;
  startMs: number;
  endBoundaryMs: number;
  gaps: Gap[];
  ogg?: OggPosition | null;
}

/** The session and offset up to which audio is durably in files (session null before the first chunk). */
export interface DurableState extends DurablePosition {
  /** Epoch ms just after the last durable sample. */
  endMs: number | null;
}

/**
 * Per-source journal entry: what is durably written. Recorded (see JournalStore) after the data it describes
 * is fsynced and before the messages it covers are acknowledged.
 */
export interface Journal extends DurableState {
  v: 1;
  source: string;
  file: OpenFileRecord | null;
}

/**
 * All sources' journals in one file, `<output_directory>/.isr/segmenter/journal.json`, written atomically
 * (temp file, fdatasync, rename). Writes are coalesced (group commit): a `write` resolves once a file
 * containing that entry is durable, and however many sources commit in the same tick, one file write (one
 * fsync) serves them all.
 */
export class JournalStore {
  readonly dir: string;
  readonly file: string;
  readonly #entries = new Map<string, Journal>();
  /** Where an unreadable journal was moved at start-up (null: it was fine or absent). */
  setAside: string | null = null;
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(outputDirectory: string) {
    this.dir = join(outputDirectory, '.isr', 'segmenter');
    this.file = join(this.dir, 'journal.json');
  }

  write(j: Journal): Promise<void> {
    this.#entries.set(j.source, j);
    if (!this.#running) {
      this.#running = this.#flush().finally(() => (this.#running = null));
      return this.#running;
    }
    // A flush is under way with an older snapshot: join the one after it.
    this.#next ??= this.#running.catch(() => undefined).then(() => {
      this.#next = null;
      this.#running = this.#flush().finally(() => (this.#running = null));
      return this.#running;
    });
    return this.#next;
  }

  async #flush(): Promise<void> {
    const body = JSON.stringify({ v: 1, sources: Object.fromEntries(this.#entries) });
    await mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined); // a torn temp file only takes space on a full disk
      throw err;
    }
    await fsyncDir(this.dir); // the rename itself must survive a power cut
  }

  /**
   * The journal of every source that ever wrote here (empty on a first start). A journal that cannot be
   * understood (torn, hand-edited, another version) is set aside as `journal.json.corrupt-<time>` and logged:
   * the segmenter then starts from what is on disk and in the stream instead of crash-looping on it.
   */
  async readAll(log?: Logger): Promise<Journal[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let entries: Journal[];
    try {
      entries = parseJournal(text);
    } catch (err) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, aside);
      this.setAside = aside;
      await fsyncDir(this.dir).catch(() => undefined);
      log?.error({ err, journal: this.file, setAside: aside }, 'the segmenter journal is unreadable: set aside; recovering from the files on disk and the stream');
      return [];
    }
    for (const j of entries) this.#entries.set(j.source, j);
    return entries;
  }
}

/** Parses and checks journal.json; throws on anything that is not a version-1 journal. */
function parseJournal(text: string): Journal[] {
  const doc = JSON.parse(text) as { v?: unknown; sources?: unknown };
  if (doc?.v !== 1) throw new Error(`unknown journal version ${String(doc?.v)}`);
  if (!doc.sources || typeof doc.sources !== 'object') throw new Error('journal without sources');
  const entries = Object.values(doc.sources as Record<string, Journal>);
  for (const j of entries) {
    const ok = j && typeof j.source === 'string' && typeof j.offset === 'number' && (j.file === null || (typeof j.file?.path === 'string' && typeof j.file.byteLength === 'number' && typeof j.file.frames === 'number'));
    if (!ok) throw new Error(`malformed journal entry ${JSON.stringify(j).slice(0, 200)}`);
  }
  return entries;
}

/** fsyncs a directory, so that a file created or renamed in it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
