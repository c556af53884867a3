import { mkdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { numberedCandidate, renderFilename, type ZoneClock } from '@isr/audio';
import { fsyncDir } from './journal.ts';
import { openFd } from './sink.ts';

export interface NewFile {
  path: string;
  rel: string;
  /** Descriptor opened for writing (O_EXCL). */
  fd: number;
}

/**
 * Creates `<output_directory>/<source>/<template>.<ext>` exclusively (O_EXCL): when the name exists, tries
 * `_1`, `_2`… before the extension (sorting after the plain name: name order stays time order). An existing
 * recording is never overwritten.
 */
export async function createRecordingFile(outputDirectory: string, source: string, template: string, zone: ZoneClock, startMs: number, ext: string): Promise<NewFile> {
  const base = join(outputDirectory, source, renderFilename(template, startMs, zone, source));
  const created = await mkdir(dirname(base), { recursive: true });
  if (created) await fsyncDir(dirname(created)); // a new day directory survives a power cut too
  for (let n = 0; n < 10_000; n++) {
    const path = numberedCandidate(base, ext, n);
    try {
      const fd = await openFd(path, 'wx');
      await fsyncDir(dirname(path)); // the new name survives a power cut (the journal will point at it)
      return { path, rel: relative(outputDirectory, path).split(sep).join('/'), fd };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new Error(`no free file name for ${base}.${ext}`);
}
