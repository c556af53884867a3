import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { wavDataExtent, type WavLayout } from '@isr/audio';
import { clipCandidates, type ClipContext } from './clip-files.ts';
import { planClip, type ClipPlan, type ClipSourceFile } from './clip-plan.ts';
import { readAt, readChunks } from './clip-read.ts';
import { webError } from './errors.ts';
import { resolveInRoot } from './resolve-file.ts';
import { buildWavHeader, wavLayoutAt } from './wav-header.ts';

export interface PcmClip {
  plan: ClipPlan;
  bitsPerSample: number;
  bytes: number;
  body(): Readable;
}

/**
 * A sample-accurate WAV clip of a PCM (WAV) source between two instants, possibly spanning several files.
 * Reads the real header (data offset, frames on disk) of each file that may overlap (clipCandidates) so a file
 * being recorded is cut at its current end.
 */
export async function pcmClip(ctx: ClipContext, source: string, startMs: number, endMs: number): Promise<PcmClip> {
  const recs = ctx.index.ofSource(source).filter((r) => r.container === 'wav');
  const infos = new Map<string, { abs: string; info: WavLayout }>();
  const files: ClipSourceFile[] = [];
  for (const { file: r } of clipCandidates(recs, startMs, endMs, false)) {
    ctx.signal?.throwIfAborted();
    const f = await resolveInRoot(ctx.root, r.path).catch(() => null);
    if (!f) continue;
    const size = (await stat(f.abs)).size;
    const info = await wavLayoutAt((position, length) => readAt(f.abs, position, length, ctx), size);
    if (!info) continue;
    infos.set(r.path, { abs: f.abs, info });
    files.push({
      path: r.path,
      startMs: r.startMs,
      sampleRate: info.sampleRate,
      channels: info.channels,
      frames: wavDataExtent(info, size).frames,
    });
  }
  const plan = planClip(files, startMs, endMs);
  if (!plan) throw webError('clipEmpty', `no WAV recording of ${source} covers that time`);
  const bits = infos.get(plan.pieces[0]!.path)!.info.bitsPerSample;
  const header = buildWavHeader({
    sampleRate: plan.sampleRate,
    channels: plan.channels,
    bitsPerSample: bits,
    frames: plan.frames,
  });
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
            yield* readChunks(abs, ctx, start, end);
          }
        })(),
      ),
  };
}
