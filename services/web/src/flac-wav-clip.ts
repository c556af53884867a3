import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { FLAC_STREAMINFO_END } from '@isr/audio';
import { planClip, type ClipPlan, type ClipSourceFile } from './clip-plan.ts';
import { webError } from './errors.ts';
import type { FileIndex } from './file-index.ts';
import { resolveInRoot } from './resolve-file.ts';
import { readHead } from './scan.ts';
import { buildWavHeader, parseFlacStreamInfo } from './wav-header.ts';

/**
 * A sample-accurate WAV clip of a PCM source recorded as FLAC: the clip planner picks the frames, the
 * `flac` tool decodes exactly those (`--skip`/`--until` are sample numbers) as raw s16le. Why the CLI: it is
 * the reference decoder, already a dependency of the tests, and it runs in its own process.
 */
export async function flacWavClip(root: string, index: FileIndex, source: string, startMs: number, endMs: number, flacBin = 'flac'): Promise<{ plan: ClipPlan; bytes: number; body(): Readable }> {
  const recs = index.ofSource(source).filter((r) => r.container === 'flac' && r.startMs < endMs && (r.durationSeconds === null || r.startMs + r.durationSeconds * 1000 + 1000 > startMs));
  const abs = new Map<string, string>();
  const files: ClipSourceFile[] = [];
  let bits = 16;
  for (const r of recs) {
    const f = await resolveInRoot(root, r.path).catch(() => null);
    if (!f) continue;
    const si = parseFlacStreamInfo(await readHead(f.abs, FLAC_STREAMINFO_END));
    if (!si || si.totalSamples === 0) continue;
    bits = si.bitsPerSample;
    abs.set(r.path, f.abs);
    files.push({ path: r.path, startMs: r.startMs, sampleRate: si.sampleRate, channels: si.channels, frames: si.totalSamples });
  }
  const plan = planClip(files, startMs, endMs);
  if (!plan) throw webError('clipEmpty', `no FLAC recording of ${source} covers that time`);
  if (bits !== 16) throw webError('clipUnsupported', `WAV clips of ${bits}-bit FLAC are not supported`);
  const header = buildWavHeader({ sampleRate: plan.sampleRate, channels: plan.channels, bitsPerSample: 16, frames: plan.frames });
  return {
    plan,
    bytes: header.length + plan.frames * plan.channels * 2,
    body: () =>
      Readable.from(
        (async function* () {
          yield header;
          for (const p of plan.pieces) {
            const child = spawn(flacBin, ['-d', '-s', '-c', '--force-raw-format', '--endian=little', '--sign=signed', `--skip=${p.fromFrame}`, `--until=${p.toFrame}`, abs.get(p.path)!], { stdio: ['ignore', 'pipe', 'ignore'] });
            yield* child.stdout;
            await new Promise<void>((resolve, reject) => child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`flac exited with ${code} decoding ${p.path}`)))));
          }
        })(),
      ),
  };
}
