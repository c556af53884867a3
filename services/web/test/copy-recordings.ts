// An archive of older recordings made by copying one encoded file many times (as if a source had recorded the
// same audio back to back): the fixture of the clip tests over many files and of bench/web-clip.ts.
import { copyFile, mkdir } from 'node:fs/promises';
import { extname, join } from 'node:path';

/** The segmenter's default name in UTC for a recording of `source` that starts at `ms`. */
export function utcRecordingPath(source: string, ms: number, ext: string): string {
  const iso = new Date(ms).toISOString();
  return `${source}/${iso.slice(0, 10)}/${iso.slice(0, 10)}_${iso.slice(11, 19).replace(/:/g, '-')}+0000.${ext}`;
}

/**
 * Copies `file` under `root` as `count` recordings of `source`, the i-th starting at `t0 + i × everyMs` (named
 * by utcRecordingPath, with the file's extension); returns their paths relative to `root`, in time order.
 */
export async function copyAsRecordings(
  root: string,
  file: string,
  o: { source: string; t0: number; everyMs: number; count: number },
): Promise<string[]> {
  const ext = extname(file).slice(1);
  const out: string[] = [];
  for (let i = 0; i < o.count; i++) {
    const rel = utcRecordingPath(o.source, o.t0 + i * o.everyMs, ext);
    await mkdir(join(root, rel, '..'), { recursive: true });
    await copyFile(file, join(root, rel));
    out.push(rel);
  }
  return out;
}
