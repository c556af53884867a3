import { execFileSync } from 'node:child_process';
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

/** '' when ffmpeg decodes the whole file without a complaint (`ffmpeg -v error -i F -f null -`), else what it said. */
export function ffmpegErrors(path: string): string {
  try {
    return execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    return String((err as { stderr?: Buffer }).stderr ?? err);
  }
}
