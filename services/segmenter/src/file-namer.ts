import { mkdir, open } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  FlacHeaderError,
  numberedCandidate,
  parseWavHeader,
  readFlacMetadata,
  renderFilename,
  type ZoneClock,
} from '@isr/audio';
import { fsyncDir } from './journal.ts';
import { ftruncate, openFd } from './sink.ts';

export interface NewFile {
  path: string;
  rel: string;
  /** Descriptor opened for writing (O_EXCL, or an emptied file that held no audio). */
  fd: number;
  /** The name was taken by a file holding no audio (created in the instant before a crash): it was reused. */
  reused: boolean;
}

/** Bytes read to judge an existing file: its headers, not its audio. */
const HEAD_BYTES = 64 * 1024;

/**
 * Whether an existing WAV or FLAC file holds no audio at all: nothing, or headers only. Such a file is what a
 * crash leaves when it comes between creating a file and the journal recording it (the journal is written before
 * any audio): none of its chunks was acknowledged, so they are all replayed into the same period's file.
 */
export async function holdsNoAudio(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size === 0) return true;
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await fh.read(head, 0, head.length, 0);
    if (path.endsWith('.wav')) {
      try {
        return parseWavHeader(head).dataOffset >= size;
      } catch {
        return false; // not readable as a WAV header: not ours to reuse
      }
    }
    if (path.endsWith('.flac')) {
      // The metadata blocks: no audio when the file ends with (or inside) them.
      try {
        const step = readFlacMetadata(head);
        return step.kind === 'metadata' ? step.metadata.audioOffset >= size : step.bytes > size;
      } catch (err) {
        if (err instanceof FlacHeaderError) return size < 4;
        throw err;
      }
    }
    return false;
  } finally {
    await fh.close();
  }
}

/**
 * Creates `<output_directory>/<source>/<template>.<ext>` exclusively (O_EXCL): when the name exists, tries
 * `_1`, `_2`… before the extension (sorting after the plain name: name order stays time order). An existing
 * recording is never overwritten; a WAV or FLAC file under the name that holds no audio (holdsNoAudio) is
 * emptied and reused, so a crash in the instant after a split leaves neither an unplayable file nor a `_1`.
 */
export async function createRecordingFile(
  outputDirectory: string,
  source: string,
  template: string,
  zone: ZoneClock,
  startMs: number,
  ext: string,
): Promise<NewFile> {
  const base = join(outputDirectory, source, renderFilename(template, startMs, zone, source));
  const created = await mkdir(dirname(base), { recursive: true });
  if (created) await fsyncDir(dirname(created)); // a new day directory survives a power cut too
  for (let n = 0; n < 10_000; n++) {
    const path = numberedCandidate(base, ext, n);
    try {
      const fd = await openFd(path, 'wx');
      await fsyncDir(dirname(path)); // the new name survives a power cut (the journal will point at it)
      return { path, rel: relative(outputDirectory, path).split(sep).join('/'), fd, reused: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if ((ext === 'wav' || ext === 'flac') && (await holdsNoAudio(path))) {
      const fd = await openFd(path, 'r+');
      await ftruncate(fd, 0);
      return { path, rel: relative(outputDirectory, path).split(sep).join('/'), fd, reused: true };
    }
  }
  throw new Error(`no free file name for ${base}.${ext}`);
}
