import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { planClip, type ClipPlan, type ClipSourceFile } from './clip-plan.ts';
import { webError } from './errors.ts';
import type { FileIndex } from './file-index.ts';
import { resolveInRoot } from './resolve-file.ts';
import { readHead } from './scan.ts';
import { buildWavHeader, parseWavHeader, wavFramesOnDisk, type WavInfo } from './wav-header.ts';

export interface PcmClip {
  plan: ClipPlan;
  bitsPerSample: number;
  bytes: number;
  body(): Readable;
}

/**
 * A sample-accurate WAV clip of a PCM (WAV) source between two instants, possibly spanning several files.
 * Reads each file's real header (data offset, frames on disk) so a file being recorded is cut at its current end.
 */
export async function pcmClip(root: string, index: FileIndex, source: string, startMs: number, endMs: number): Promise<PcmClip> {
  const recs = index.ofSource(source).filter((r) => r.container === 'wav' && r.startMs < endMs);
  const infos = new Map<string, { abs: string; info: WavInfo }>();
  const files: ClipSourceFile[] = [];
  for (const r of recs) {
    // Only files that can overlap (their end is not known before the header is read for recording files).
    if (r.durationSeconds !== null && r.startMs + r.durationSeconds * 1000 + 1000 < startMs) continue;
    const f = await resolveInRoot(root, r.path).catch(() => null);
    if (!f) continue;
    const info = parseWavHeader(await readHead(f.abs));
    if (!info) continue;
    const size = (await stat(f.abs)).size;
    infos.set(r.path, { abs: f.abs, info });
    files.push({ path: r.path, startMs: r.startMs, sampleRate: info.sampleRate, channels: info.channels, frames: wavFramesOnDisk(info, size) });
  }
  const plan = planClip(files, startMs, endMs);
  if (!plan) throw webError('clipEmpty', `no WAV recording of ${source} covers that time`);
  const bits = infos.get(plan.pieces[0]!.path)!.info.bitsPerSample;
  const header = buildWavHeader({ sampleRate: plan.sampleRate, channels: plan.channels, bitsPerSample: bits, frames: plan.frames });
  return {
    plan,
    bitsPerSample: bits,
    bytes: header.length + plan.frames * infos.get(plan.pieces[0]!.path)!.info.blockAlign,
    body: () =>
      Readable.from(
        (async function* () {
          yield header;
          for (const p of plan.pieces) {
            const { abs, info } = infos.get(p.path)!;
            const start = info.dataOffset + p.fromFrame * info.blockAlign;
            const end = info.dataOffset + p.toFrame * info.blockAlign - 1;
            yield* createReadStream(abs, { start, end, highWaterMark: 256 * 1024 });
          }
        })(),
      ),
  };
}
