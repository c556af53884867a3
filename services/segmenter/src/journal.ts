import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioCodec, AudioFormat, Gap } from '@isr/contract';

/** The file a source is writing, as far as it is durable on disk. */
export interface OpenFileRecord {
  path: string;
  /** Relative to output_directory, '/'-separated. */
  rel: string;
  container: 'wav' | 'flac' | 'mp3' | 'aac' | 'ogg';
  /** Bytes of the file that are durable; everything after is discarded at recovery. */
  byteLength: number;
  /** Sample frames in those bytes. */
  frames: number;
  /** Session offset of the file's first sample. */
  firstOffset: number;
  startMs: number;
  endBoundaryMs: number;
  format: AudioFormat;
  codec: AudioCodec;
  sampleRate: number;
  channels: number;
  session: string;
  sessionStartMs: number;
  gaps: Gap[];
  /** Ogg: next page sequence number and granule base (decimal). */
  ogg?: { nextSequence: number; granuleBase: string } | null;
}

/**
 * Per-source journal entry: what is durably written. Recorded (see JournalStore) after the data it describes
 * is fsynced and before the messages it covers are acknowledged.
 */
export interface Journal {
  v: 1;
  source: string;
  /** The session and offset up to which audio is durably in files (null before the first chunk). */
  session: string | null;
  sessionStartMs: number;
  offset: number;
  /** Epoch ms just after the last durable sample. */
  endMs: number | null;
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
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(body);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
  }

  /** The journal of every source that ever wrote here (empty on a first start). */
  async readAll(): Promise<Journal[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const doc = JSON.parse(text) as { v: number; sources: Record<string, Journal> };
    if (doc.v !== 1) throw new Error(`${this.file}: unknown journal version ${doc.v}`);
    for (const j of Object.values(doc.sources)) this.#entries.set(j.source, j);
    return Object.values(doc.sources);
  }
}
