import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
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
 * Per-source journal: what is durably written. Written atomically (temp file, fdatasync, rename) after the
 * data it describes is fsynced and before the messages it covers are acknowledged.
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

export class JournalStore {
  readonly dir: string;
  constructor(outputDirectory: string) {
    this.dir = join(outputDirectory, '.isr', 'segmenter');
  }

  async write(j: Journal): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const target = join(this.dir, `${j.source}.json`);
    const tmp = `${target}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(j));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  }

  async readAll(): Promise<Journal[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: Journal[] = [];
    for (const n of names) {
      if (!n.endsWith('.json')) continue;
      const j = JSON.parse(await readFile(join(this.dir, n), 'utf8')) as Journal;
      if (j.v === 1) out.push(j);
    }
    return out;
  }
}
