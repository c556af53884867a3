import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseWavHeader } from '@isr/audio';
import { checkCounter } from './counter-signal.ts';

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

/**
 * Decodes recordings of the counter signal (alsa.ts) in order with ffmpeg; null when each file is an unbroken
 * run of the counter and continues it exactly where the previous file stopped, else what breaks.
 */
export function counterContinuity(files: readonly string[], channels: number): string | null {
  let next: number | null = null;
  for (const f of files) {
    const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', f, '-f', 's16le', '-ac', String(channels), '-'], {
      maxBuffer: 1 << 30,
    });
    const c = checkCounter(r.stdout, channels);
    if (c.firstMismatch !== null) return `${f}: counter breaks at frame ${c.firstMismatch}`;
    if (c.start === null) continue;
    if (next !== null && c.start !== next) return `${f}: starts at counter ${c.start}, expected ${next}`;
    next = (c.start + c.frames) & 0xffff;
  }
  return null;
}

/** The samples of a WAV file, read from its `data` chunk after checking the RIFF and data sizes against the file. */
export function wavSamples(path: string): Buffer {
  const b = readFileSync(path);
  const h = parseWavHeader(b);
  if (h.riffBytes !== b.length - 8) throw new Error(`${path}: RIFF size ${h.riffBytes}, file has ${b.length - 8}`);
  if (h.dataBytes !== b.length - h.dataOffset)
    throw new Error(`${path}: data size ${h.dataBytes}, file has ${b.length - h.dataOffset}`);
  return b.subarray(h.dataOffset);
}

/** `flac -t` (throws when the file is damaged), then the decoded raw s16le samples. */
export function flacSamples(path: string): Buffer {
  execFileSync('flac', ['-t', '-s', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  return execFileSync('flac', ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', path], {
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The samples of a WAV or FLAC recording (by its extension), checked as `wavSamples` / `flacSamples` do. */
export function samplesOf(path: string): Buffer {
  return path.endsWith('.flac') ? flacSamples(path) : wavSamples(path);
}
