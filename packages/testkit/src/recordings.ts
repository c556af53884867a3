import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A source's recording files with this extension under `<root>/<source>/…`, in name order (= time order). */
export function recordingFiles(root: string, source: string, ext: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith(`.${ext}`)) out.push(p);
    }
  };
  walk(join(root, source));
  return out;
}

/**
 * '' when ffmpeg decodes the whole file without a complaint, else what it said. ffmpeg writes its errors to
 * stderr and often still exits 0 on corrupt input, so both count: any stderr text, or a non-zero exit.
 */
export function ffmpegErrors(path: string): string {
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-f', 'null', '-'], { encoding: 'utf8' });
  if (r.error) return String(r.error);
  return r.stderr + (r.status === 0 ? '' : `ffmpeg exited with ${r.status ?? r.signal}`);
}
