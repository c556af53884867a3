import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { FLAC_STREAMINFO_END } from '@isr/audio';
import { clipCandidates, type ClipContext } from './clip-files.ts';
import { planClip, type ClipPlan, type ClipSourceFile } from './clip-plan.ts';
import { readAt } from './clip-read.ts';
import { webError } from './errors.ts';
import { resolveInRoot } from './resolve-file.ts';
import { buildWavHeader, flacStreamInfoOf } from './wav-header.ts';

/**
 * A sample-accurate WAV clip of a PCM source recorded as FLAC: the clip planner picks the frames, the
 * `flac` tool decodes exactly those (`--skip`/`--until` are sample numbers) as raw s16le. Why the CLI: it is
 * the reference decoder, already a dependency of the tests, and it runs in its own process — killed when
 * `ctx.signal` aborts (the client went away).
 */
export async function flacWavClip(
  ctx: ClipContext,
  source: string,
  startMs: number,
  endMs: number,
  flacBin = 'flac',
): Promise<{ plan: ClipPlan; bytes: number; body(): Readable }> {
  const recs = ctx.index.ofSource(source).filter((r) => r.container === 'flac');
  const abs = new Map<string, string>();
  const files: ClipSourceFile[] = [];
  let bits = 16;
  for (const { file: r } of clipCandidates(recs, startMs, endMs, false)) {
    ctx.signal?.throwIfAborted();
    const f = await resolveInRoot(ctx.root, r.path).catch(() => null);
    if (!f) continue;
    const si = flacStreamInfoOf(await readAt(f.abs, 0, FLAC_STREAMINFO_END, ctx));
    if (!si || si.totalSamples === 0) continue;
    bits = si.bitsPerSample;
    abs.set(r.path, f.abs);
    files.push({
      path: r.path,
      startMs: r.startMs,
      sampleRate: si.sampleRate,
      channels: si.channels,
      frames: si.totalSamples,
    });
  }
  const plan = planClip(files, startMs, endMs);
  if (!plan) throw webError('clipEmpty', `no FLAC recording of ${source} covers that time`);
  if (bits !== 16) throw webError('clipUnsupported', `WAV clips of ${bits}-bit FLAC are not supported`);
  const header = buildWavHeader({
    sampleRate: plan.sampleRate,
    channels: plan.channels,
    bitsPerSample: 16,
    frames: plan.frames,
  });
  return {
    plan,
    bytes: header.length + plan.frames * plan.channels * 2,
    body: () =>
      Readable.from(
        (async function* () {
          yield header;
          for (const p of plan.pieces) {
            const child = spawn(
              flacBin,
              [
                '-d',
                '-s',
                '-c',
                '--force-raw-format',
                '--endian=little',
                '--sign=signed',
                `--skip=${p.fromFrame}`,
                `--until=${p.toFrame}`,
                abs.get(p.path)!,
              ],
              { stdio: ['ignore', 'pipe', 'ignore'], signal: ctx.signal },
            );
            // Settles on exit or on a failure to start (or the abort's kill), never rejects: nothing is left unhandled.
            const closed = new Promise<number | null | Error>((resolve) => {
              child.once('close', resolve);
              child.once('error', resolve);
            });
            try {
              yield* child.stdout;
            } finally {
              // The client went away (or the stream was destroyed): no decoder left running.
              if (child.exitCode === null) child.kill();
            }
            const code = await closed;
            if (code instanceof Error)
              throw new Error(`flac could not decode ${p.path}: ${code.message}`, { cause: code });
            if (code !== 0) throw new Error(`flac exited with ${code} decoding ${p.path}`);
          }
        })(),
      ),
  };
}
