import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { wavDataExtent } from '@isr/audio';
import { ANALYSIS_SIDECAR_SUFFIX, isValidSourceName, KEEP_MARK_SUFFIX, type AnalysisRecord } from '@isr/contract';
import { summaryOf } from './analysis-view.ts';
import { AUDIO_EXTENSIONS, extensionOf } from './content-type.ts';
import type { FileIndex, Recording } from './file-index.ts';
import { isoWithOffset, timeFromFileName } from './file-name-time.ts';
import { flacStreamInfoOf, wavLayoutAt } from './wav-header.ts';

const HEAD_BYTES = 4096;

/** Reads the first bytes of a file. */
export async function readHead(abs: string, bytes = HEAD_BYTES): Promise<Buffer> {
  const fh = await open(abs, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** What a file's own header says: format and (for WAV/FLAC) its length. */
export async function probeFile(
  abs: string,
  ext: string,
  size: number,
): Promise<Pick<Recording, 'codec' | 'sampleRate' | 'channels' | 'durationSeconds'>> {
  if (ext === 'wav') {
    const fh = await open(abs, 'r');
    let info;
    try {
      info = await wavLayoutAt(async (position, length) => {
        const buf = Buffer.alloc(length);
        return buf.subarray(0, (await fh.read(buf, 0, length, position)).bytesRead);
      }, size);
    } finally {
      await fh.close();
    }
    if (info)
      return {
        codec: info.bitsPerSample === 16 ? 'pcm_s16le' : `pcm_${info.bitsPerSample}`,
        sampleRate: info.sampleRate,
        channels: info.channels,
        durationSeconds: wavDataExtent(info, size).frames / info.sampleRate,
      };
  } else if (ext === 'flac') {
    const si = flacStreamInfoOf(await readHead(abs));
    if (si)
      return {
        codec: 'flac',
        sampleRate: si.sampleRate,
        channels: si.channels,
        durationSeconds: si.totalSamples > 0 ? si.totalSamples / si.sampleRate : null,
      };
  }
  return {
    codec: ext === 'mp3' ? 'mp3' : ext === 'aac' ? 'aac' : null,
    sampleRate: null,
    channels: null,
    durationSeconds: null,
  };
}

export async function readSidecar(abs: string): Promise<AnalysisRecord | null> {
  try {
    return JSON.parse(await readFile(abs + ANALYSIS_SIDECAR_SUFFIX, 'utf8')) as AnalysisRecord;
  } catch {
    return null;
  }
}

/**
 * One walk of <root>/<source>/… at start-up: every audio file becomes a recording (start from its file
 * name, else its mtime; length from its WAV/FLAC header; analysis summary from its sidecar). ISR_EVENTS
 * then keeps the index current; no request ever walks the directory.
 */
export async function scanRecordings(root: string, index: FileIndex, maxDepth = 8): Promise<number> {
  let count = 0;
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const names = new Set(entries.map((e) => e.name));
    for (const e of entries) {
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth === 0 && !isValidSourceName(e.name)) continue;
        if (depth < maxDepth) await walk(join(dir, e.name), relPath, depth + 1);
        continue;
      }
      if (!e.isFile() || depth === 0) continue;
      const ext = extensionOf(e.name);
      if (!AUDIO_EXTENSIONS.has(ext)) continue;
      const abs = join(dir, e.name);
      const st = await stat(abs).catch(() => null);
      if (!st) continue;
      const probe = await probeFile(abs, ext, st.size).catch(() => null);
      const t = timeFromFileName(e.name);
      const durationSeconds = probe?.durationSeconds ?? null;
      const startMs = t?.ms ?? st.mtimeMs - (durationSeconds ?? 0) * 1000;
      const sidecar = await readSidecar(abs);
      index.upsert({
        path: relPath,
        source: relPath.slice(0, relPath.indexOf('/')),
        start: t?.iso ?? isoWithOffset(startMs, 0),
        startMs,
        durationSeconds,
        bytes: st.size,
        codec: probe?.codec ?? null,
        container: ext,
        sampleRate: probe?.sampleRate ?? null,
        channels: probe?.channels ?? null,
        recording: false,
        gaps: 0,
        keep: names.has(e.name + KEEP_MARK_SUFFIX),
        analysis: sidecar ? summaryOf(sidecar) : null,
      });
      count++;
    }
  };
  await walk(root, '', 0);
  return count;
}
