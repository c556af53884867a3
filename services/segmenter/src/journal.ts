import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioChunkMeta, Gap } from '@isr/contract';
import type { ManifestBody } from '@isr/runtime';
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
export interface OpenFileRecord extends Pick<
  AudioChunkMeta,
  'format' | 'codec' | 'sampleRate' | 'channels' | 'session' | 'sessionStartMs'
> {
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
  /** Entries of closed files not yet appended to the manifest (a failed append; appended at the next commit). */
  manifest?: PendingManifestEntry[];
}

/** A manifest entry waiting to be appended: its day directory and its fields before chaining. */
export interface PendingManifestEntry {
  day: string;
  body: ManifestBody;
}

/**
 * One journal file per source, `<output_directory>/.isr/segmenter/journal-<source>.json`, written atomically
 * (temp file, fdatasync, rename, fsync of the directory). One file per source, not one for all: the sources of
 * a segmenter group are written by different processes sharing the directory, and each may replace only its
 * own sources' records. Writes of one source are coalesced: a `write` resolves once a file containing that
 * entry (or a newer one) is durable.
 *
 * A journal of the first layout (`journal.json`, every source in one file) is still read, for a source that
 * has no file of its own yet, and is never written again.
 */
export class JournalStore {
  readonly dir: string;
  readonly #files = new Map<string, SourceJournalFile>();
  #openCache: { at: number; files: Set<string> } | null = null;

  constructor(outputDirectory: string) {
    this.dir = join(outputDirectory, '.isr', 'segmenter');
  }

  /** The journal file of a source. */
  fileOf(source: string): string {
    return join(this.dir, `journal-${source}.json`);
  }

  #fileFor(source: string): SourceJournalFile {
    let f = this.#files.get(source);
    if (!f) this.#files.set(source, (f = new SourceJournalFile(this.dir, this.fileOf(source))));
    return f;
  }

  write(j: Journal): Promise<void> {
    return this.#fileFor(j.source).write(j);
  }

  /**
   * Absolute paths of the files open in any segmenter sharing this directory, from the journals on disk
   * (read at most once a second; retention never deletes them).
   */
  openFiles(sources: readonly string[], dirOf: (source: string) => string): ReadonlySet<string> {
    const t = Date.now();
    if (this.#openCache && t - this.#openCache.at < 1000) return this.#openCache.files;
    const files = new Set<string>();
    for (const source of sources) {
      try {
        const j = parseJournal(readFileSync(this.fileOf(source), 'utf8')).find((e) => e.source === source);
        if (j?.file) files.add(join(dirOf(source), j.file.rel));
      } catch {
        // no journal yet, or one being replaced: nothing open it could protect
      }
    }
    this.#openCache = { at: t, files };
    return files;
  }

  /**
   * A source's journal (null on its first start). A journal that cannot be understood (torn, hand-edited,
   * another version) is set aside as `<file>.corrupt-<time>` and logged, and `setAside` is true: the source
   * then starts from what is on disk and in the stream instead of crash-looping on it.
   */
  async read(source: string, log?: Logger): Promise<{ journal: Journal | null; setAside: boolean }> {
    for (const file of [this.fileOf(source), join(this.dir, LEGACY_FILE)]) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      let entries: Journal[];
      try {
        entries = parseJournal(text);
      } catch (err) {
        if (file.endsWith(LEGACY_FILE)) {
          log?.error(
            { err, journal: file },
            'the old shared segmenter journal is unreadable: ignored; recovering from the files on disk and the stream',
          );
          return { journal: null, setAside: true };
        }
        const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        await rename(file, aside);
        await fsyncDir(this.dir).catch(() => undefined);
        log?.error(
          { err, journal: file, setAside: aside },
          'the segmenter journal is unreadable: set aside; recovering from the files on disk and the stream',
        );
        return { journal: null, setAside: true };
      }
      const j = entries.find((e) => e.source === source) ?? null;
      if (j || !file.endsWith(LEGACY_FILE)) return { journal: j, setAside: false };
    }
    return { journal: null, setAside: false };
  }
}

/** The journal file of the first layout: every source in one file. */
const LEGACY_FILE = 'journal.json';

/** One source's journal file: atomic replacement, coalesced writes. */
class SourceJournalFile {
  readonly #dir: string;
  readonly #file: string;
  #entry: Journal | null = null;
  #running: Promise<void> | null = null;
  #next: Promise<void> | null = null;

  constructor(dir: string, file: string) {
    this.#dir = dir;
    this.#file = file;
  }

  write(j: Journal): Promise<void> {
    this.#entry = j;
    if (!this.#running) {
      this.#running = this.#flush().finally(() => (this.#running = null));
      return this.#running;
    }
    // A flush is under way with an older entry: join the one after it.
    this.#next ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        this.#running = this.#flush().finally(() => (this.#running = null));
        return this.#running;
      });
    return this.#next;
  }

  async #flush(): Promise<void> {
    const j = this.#entry!;
    const body = JSON.stringify({ v: 1, sources: { [j.source]: j } });
    const tmp = `${this.#file}.tmp`;
    try {
      // the directory is made on the first write (and again if it was removed), not checked on every commit
      const fh = await open(tmp, 'w').catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await mkdir(this.#dir, { recursive: true });
        return open(tmp, 'w');
      });
      try {
        await fh.writeFile(body);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.#file);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined); // a torn temp file only takes space on a full disk
      throw err;
    }
    await fsyncDir(this.#dir); // the rename itself must survive a power cut
  }
}

/** Parses and checks a journal file; throws on anything that is not a version-1 journal. */
function parseJournal(text: string): Journal[] {
  const doc = JSON.parse(text) as { v?: unknown; sources?: unknown };
  if (doc?.v !== 1) throw new Error(`unknown journal version ${String(doc?.v)}`);
  if (!doc.sources || typeof doc.sources !== 'object') throw new Error('journal without sources');
  const entries = Object.values(doc.sources as Record<string, Journal>);
  for (const j of entries) {
    const ok =
      j &&
      typeof j.source === 'string' &&
      typeof j.offset === 'number' &&
      (j.file === null ||
        (typeof j.file?.path === 'string' &&
          typeof j.file.byteLength === 'number' &&
          typeof j.file.frames === 'number'));
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
